import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  checkInvariants,
  claimEventsChannel,
  claimQueueName,
  dropDatabase,
  ensureDatabase,
  makeDb,
  type Db,
  type InvariantReport,
} from '@taskclaim/shared';
import { longPollAll, submitClaims, waitForOutcomes, type Submission } from './burst';
import { RoundRobinClient, wallNow } from './http';
import {
  CpuTracker,
  databaseStats,
  otherDatabaseBackends,
  parseRedisInfo,
  postgresPids,
  processCpuSeconds,
  redisCommandCalls,
  statsDelta,
  sumOf,
  type DatabaseStats,
} from './meter';
import type { Mode, ProcessCounts } from './options';
import { profileFiles, summarizeProfiles, type ProfileSummary } from './profile';
import { probeSnapshots, startApi, stopService, type SpawnOptions } from './processes';
import { buildPlan, seedThroughAdminApi, type Plan, type ScenarioName } from './scenarios';
import { curve, increment, summarize, type Percentiles } from './stats';
import {
  eventLoopUtilization,
  mark,
  probeDirOf,
  SHORT,
  sleep,
  startServices,
  statementDelta,
  vacuumAnalyze,
  waitForNoBackends,
  waitForQuietMachine,
  type BenchWorld,
  type Marks,
  type Services,
} from './world';

export interface CpuFigures {
  api: number;
  workers: number;
  postgres: number;
  /** part of `postgres`: backends connected to other databases (someone else's load on the shared server) */
  postgresOtherDatabases: number;
  redis: number;
  /** the load generator itself */
  bench: number;
  /** every core of the machine, busy time */
  machine: number;
  /** machine − everything above: other processes on this shared machine */
  others: number;
}

export interface StatementFigures {
  /** statements sent to PostgreSQL per claim, BEGIN/COMMIT excluded, by process role */
  perClaim: { api: number; worker: number; total: number };
  /** BEGIN / COMMIT / ROLLBACK per claim (all processes) */
  transactionControlPerClaim: number;
  top: { role: string; perClaim: number; sql: string }[];
}

export interface WaitingRoomFigures {
  waiters: number;
  holdSeconds: number;
  settleMs: number;
  /** statements the API processes sent while every waiter was held and nothing was decided (bench probe) */
  apiStatementsWhileHolding: number;
  apiStatementsPerWaiterPerSecond: number;
  /** what the worker processes sent meanwhile (the reconciler's rounds), by statement */
  workerStatementsWhileHolding: Record<string, number>;
  /** pg_stat_database deltas of the run's database over the same window (every process, reconciler included) */
  xactCommitWhileHolding: number;
  tupReturnedWhileHolding: number;
  xactCommitPerWaiterPerSecond: number;
  apiCpuSecondsPerSecondWhileHolding: number;
  redisCommandsWhileHolding: number;
  /** decision published → long-poll answered */
  wakeMs: Percentiles;
  answeredTerminal: number;
  repolls: number;
  secondsToAnswerAllAfterResume: number;
}

export interface RunResult {
  scenario: ScenarioName;
  mode: Mode;
  description: string;
  database: string;
  processes: { api: number; workers: number };
  requests: number;
  /** claims stored (accepted) during the run */
  claims: number;
  seconds: number;
  claimsPerSecond: number;
  acceptMs: Percentiles;
  acceptToTerminalMs: Percentiles;
  /** the same from the database: completed_at − submitted_at (now() of the deciding and the accepting transaction) */
  dbAcceptToTerminalMs: Percentiles;
  acceptToTerminalCurve: { p: number; ms: number }[];
  latencyNote?: string;
  outcomes: Record<string, number>;
  http: Record<string, number>;
  retried: Record<string, number>;
  invariants: InvariantReport[];
  invariantsPass: boolean;
  db: { delta: DatabaseStats; benchOwnQueries: number; commits: number; commitsPerClaim: number; rollbacks: number };
  statements: StatementFigures;
  redis: { commandsPerClaim: number; byCommandPerClaim: Record<string, number>; usedMemoryAfter: number; usedMemoryPeakDuringRun: number };
  cpuSeconds: CpuFigures;
  cpuPer1000Claims: CpuFigures;
  eventLoopUtilization: { api: number; worker: number };
  decidedEventsMissed: number;
  /** cores other processes kept busy just before the run (see --wait-quiet-ms) */
  othersBusyCoresBefore: number;
  waitingRoom?: WaitingRoomFigures;
  profiles?: { api?: ProfileSummary; worker?: ProfileSummary; window: { from: number; to: number }; dir: string };
}

/** A scenario's data, seeded once through the admin API; every mode and the ceiling run on copies of it. */
export interface PreparedScenario {
  plan: Plan;
  seedDatabase: string;
  tokens: Map<number, string>;
}

/** Math.max(...values) overflows the stack beyond ~100,000 values. */
const maxOf = (values: number[]): number => values.reduce((max, value) => (value > max ? value : max), -Infinity);

const TX_CONTROL = /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

export async function prepareScenario(world: BenchWorld, scenario: ScenarioName): Promise<PreparedScenario> {
  const plan = buildPlan(scenario, world.options.sizes, world.maxActiveTasks);
  const seedDatabase = `${world.baseDatabase}_${SHORT[scenario]}_seed`;
  const url = world.databaseUrl(seedDatabase);
  await ensureDatabase(url, world.baseDatabase);
  world.redis.flushAll();
  const logDir = path.join(world.workDir, `${SHORT[scenario]}-seed`);
  mkdirSync(logDir, { recursive: true });
  mkdirSync(probeDirOf(world), { recursive: true });
  const seeder = await startApi('seeder', `${SHORT[scenario]}-seeder`, { env: { ...world.serviceEnv, DATABASE_URL: url }, logDir, probeDir: probeDirOf(world) });
  let tokens: Map<number, string>;
  try {
    const client = new RoundRobinClient([seeder.port as number]);
    tokens = await seedThroughAdminApi(client, world.adminToken, plan);
    client.close();
  } finally {
    await stopService(seeder);
  }
  await vacuumAnalyze(url);
  // CREATE DATABASE … TEMPLATE needs the template without connections.
  await waitForNoBackends(world, seedDatabase);
  world.log(`${scenario}: seeded ${plan.operators.length} operators, ${plan.tasks.length} tasks, ${tokens.size} operator tokens through the admin API`);
  return { plan, seedDatabase, tokens };
}

function statementFigures(byRole: Map<string, Map<string, number>>, claims: number): StatementFigures {
  const per = (n: number) => (claims ? n / claims : 0);
  let transactionControl = 0;
  const sums: Record<string, number> = { api: 0, worker: 0 };
  const top: { role: string; perClaim: number; sql: string }[] = [];
  for (const [role, statements] of byRole) {
    for (const [sql, count] of statements) {
      if (TX_CONTROL.test(sql.trim())) transactionControl += count;
      else sums[role] = (sums[role] ?? 0) + count;
      top.push({ role, perClaim: per(count), sql: sql.replace(/\s+/g, ' ').trim().slice(0, 220) });
    }
  }
  top.sort((a, b) => b.perClaim - a.perClaim);
  return {
    perClaim: { api: per(sums.api), worker: per(sums.worker), total: per(sums.api + sums.worker) },
    transactionControlPerClaim: per(transactionControl),
    top: top.slice(0, 25),
  };
}

function cpuFigures(world: BenchWorld, services: Services, seconds: Map<number, number>, before: Marks, after: Marks, otherPids: number[]): CpuFigures {
  const ours = new Set([...services.all.map((s) => s.pid), world.redis.pid]);
  const postgresPidsSeen = [...seconds.keys()].filter((pid) => !ours.has(pid));
  const figures = {
    api: sumOf(seconds, services.apis.map((s) => s.pid)),
    workers: sumOf(seconds, services.workers.map((s) => s.pid)),
    postgres: sumOf(seconds, postgresPidsSeen),
    postgresOtherDatabases: sumOf(seconds, otherPids.filter((pid) => postgresPidsSeen.includes(pid))),
    redis: sumOf(seconds, [world.redis.pid]),
    bench: (after.bench.user + after.bench.system - before.bench.user - before.bench.system) / 1e6,
    machine: after.machine - before.machine,
  };
  return { ...figures, others: Math.max(0, figures.machine - figures.api - figures.workers - figures.postgres - figures.redis - figures.bench) };
}

const perThousand = (figures: CpuFigures, claims: number): CpuFigures =>
  Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, claims ? (value / claims) * 1000 : NaN])) as unknown as CpuFigures;

function redisFigures(before: Marks, after: Marks, claims: number, peak: number): RunResult['redis'] {
  const start = redisCommandCalls(before.redis);
  const end = redisCommandCalls(after.redis);
  const byCommandPerClaim: Record<string, number> = {};
  let total = 0;
  for (const [command, calls] of Object.entries(end)) {
    if (command === 'info') continue; // the bench's own sampling
    const delta = calls - (start[command] ?? 0);
    if (delta <= 0) continue;
    byCommandPerClaim[command] = claims ? delta / claims : 0;
    total += delta;
  }
  return { commandsPerClaim: claims ? total / claims : 0, byCommandPerClaim, usedMemoryAfter: Number(after.redis.used_memory), usedMemoryPeakDuringRun: peak };
}

export async function outcomeCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await db.raw(`
    SELECT CASE WHEN status = 'succeeded' AND already_claimed THEN 'succeeded (already theirs)'
                WHEN status = 'rejected' THEN code ELSE status END AS outcome, count(*)::int AS n
    FROM claim_requests GROUP BY 1 ORDER BY 2 DESC`);
  return Object.fromEntries(rows.map((row: { outcome: string; n: number }) => [row.outcome, row.n]));
}

async function claimTimes(db: Db): Promise<{ id: number; submitted: number; completed: number | null }[]> {
  const { rows } = await db.raw(
    `SELECT id, extract(epoch FROM submitted_at) * 1000 AS submitted, extract(epoch FROM completed_at) * 1000 AS completed FROM claim_requests`,
  );
  return rows.map((row: { id: number; submitted: string; completed: string | null }) => ({
    id: Number(row.id),
    submitted: Number(row.submitted),
    completed: row.completed === null ? null : Number(row.completed),
  }));
}

/** Waiting room, before the measured window: accept with the queues paused, hold every waiter, measure the hold. */
async function holdWaiters(
  world: BenchWorld,
  services: Services,
  redis: Redis,
  queues: Queue[],
  hold: { client: RoundRobinClient; prepared: PreparedScenario; database: string; http: Record<string, number>; retried: Record<string, number> },
) {
  const { options } = world;
  const { plan, tokens } = hold.prepared;
  await Promise.all(queues.map((queue) => queue.pause()));
  const submissions = await submitClaims(hold.client, plan, tokens, { inflight: options.inflight, keyPrefix: `bench-${world.stamp}`, idempotencyKeys: options.idempotencyKeys }, hold.retried);
  world.log(`waiting-room: ${submissions.filter((s) => s.claimId !== undefined).length} claims accepted with the queues paused; ${plan.claims.length} clients start long-polling`);
  const polls = longPollAll(hold.client, plan, tokens, submissions, hold.http, hold.retried);
  // Held once the API has read every claim and sends nothing more.
  let last = -1;
  for (;;) {
    await sleep(500);
    const snapshots = await probeSnapshots(services.apis, probeDirOf(world));
    const sent = [...snapshots.values()].reduce((total, s) => total + Object.values(s.statements).reduce((a, b) => a + b, 0), 0);
    if (sent === last) break;
    last = sent;
  }
  world.log(`waiting-room: waiters held; PostgreSQL's statistics settle for ${options.settleMs} ms, then a ${options.holdMs} ms hold window`);
  await sleep(options.settleMs);
  const statsBefore = await databaseStats(world.monitor, hold.database);
  const apiCpuBefore = services.apis.map((s) => processCpuSeconds(s.pid) ?? 0);
  const before = await mark(world, services.all, redis);
  await sleep(options.holdMs);
  const after = await mark(world, services.all, redis);
  const apiCpu = services.apis.reduce((total, s, i) => total + (processCpuSeconds(s.pid) ?? 0) - apiCpuBefore[i], 0);
  const delta = statsDelta(statsBefore, await databaseStats(world.monitor, hold.database));
  const holdSeconds = Number(after.hr - before.hr) / 1e9;
  const apiStatements = [...statementDelta(before, after, services.apis).values()].reduce((total, s) => total + [...s.values()].reduce((a, b) => a + b, 0), 0);
  const waiters = submissions.filter((s) => s.claimId !== undefined).length;
  const workerStatements = Object.fromEntries(
    [...(statementDelta(before, after, services.workers).get('worker') ?? new Map<string, number>())].map(([sql, n]) => [sql.replace(/\s+/g, ' ').slice(0, 160), n]),
  );
  return {
    submissions,
    polls,
    figures: {
      waiters,
      holdSeconds,
      settleMs: options.settleMs,
      apiStatementsWhileHolding: apiStatements,
      apiStatementsPerWaiterPerSecond: apiStatements / waiters / holdSeconds,
      workerStatementsWhileHolding: workerStatements,
      xactCommitWhileHolding: delta.xact_commit,
      tupReturnedWhileHolding: delta.tup_returned,
      xactCommitPerWaiterPerSecond: delta.xact_commit / waiters / holdSeconds,
      apiCpuSecondsPerSecondWhileHolding: apiCpu / holdSeconds,
      redisCommandsWhileHolding: Math.round(redisFigures(before, after, 1, 0).commandsPerClaim),
    },
  };
}

/** One scenario in one dispatch mode, on a fresh copy of the seeded database and an emptied Redis. */
export async function runScenario(
  world: BenchWorld,
  prepared: PreparedScenario,
  mode: Mode,
  processes: ProcessCounts = { api: world.options.api, workers: world.options.workers },
): Promise<RunResult> {
  const { options } = world;
  const { plan, tokens } = prepared;
  const scenario = plan.scenario;
  // a scaling run measures the same scenario and mode once per process configuration
  const variant = options.scale && mode === 'queue' ? `_a${processes.api}w${processes.workers}` : '';
  const label = `${SHORT[scenario]}-${mode}${variant.replace('_', '-')}`;
  const database = `${world.baseDatabase}_${SHORT[scenario]}_${mode}${variant}`;
  const url = world.databaseUrl(database);
  await ensureDatabase(url, prepared.seedDatabase);
  world.redis.flushAll();
  const runDir = path.join(world.workDir, label);
  mkdirSync(runDir, { recursive: true });
  const othersBusyCoresBefore = options.waitQuietMs > 0 ? await waitForQuietMachine(world, `${scenario} / ${mode}`) : NaN;
  const cpuProfileDir = options.profile ? path.join(options.resultsDir, 'profiles', world.stamp, label) : undefined;
  const spawn: SpawnOptions = { env: { ...world.serviceEnv, DATABASE_URL: url, CLAIM_DISPATCH: mode }, logDir: runDir, probeDir: probeDirOf(world), cpuProfileDir };

  const redis = new Redis(world.redis.url, { maxRetriesPerRequest: null });
  const subscriber = new Redis(world.redis.url, { maxRetriesPerRequest: null });
  const queues = Array.from({ length: options.partitions }, (_, p) => new Queue(claimQueueName(p), { connection: redis, prefix: 'taskclaim' }));
  let services: Services = { apis: [], workers: [], all: [] };
  let client: RoundRobinClient | undefined;
  let check: Db | undefined;
  let memoryTimer: NodeJS.Timeout | undefined;
  try {
    world.log(`${scenario} / ${mode}: starting ${processes.api} API${mode === 'queue' ? ` + ${processes.workers} workers` : ''} on ${database}`);
    services = await startServices(spawn, mode, label, processes);

    // The bench learns each decision from the event the deciding process publishes after commit.
    const decidedAt = new Map<number, number>();
    subscriber.on('message', (_channel: string, message: string) => {
      const now = wallNow();
      for (const id of JSON.parse(message) as number[]) if (!decidedAt.has(id)) decidedAt.set(id, now);
    });
    await subscriber.subscribe(claimEventsChannel('taskclaim'));
    client = new RoundRobinClient(services.apis.map((api) => api.port as number));
    check = makeDb(url, { max: 1 });
    const benchQueries = { queries: 0 };
    const retried: Record<string, number> = {};
    const http: Record<string, number> = {};
    let peak = 0;
    const sampleMemory = async () => {
      peak = Math.max(peak, Number(parseRedisInfo(await redis.info('memory')).used_memory));
    };
    memoryTimer = setInterval(() => void sampleMemory().catch(() => undefined), 500);

    let submissions: Submission[];
    let waiting: Awaited<ReturnType<typeof holdWaiters>> | undefined;
    if (scenario === 'waiting-room') waiting = await holdWaiters(world, services, redis, queues, { client, prepared, database, http, retried });
    world.log(`${scenario} / ${mode}: ${waiting ? 'resuming the queues' : `firing ${plan.claims.length} claims, ${options.inflight} in flight`}`);
    const statsBefore = await databaseStats(world.monitor, database);
    const before = await mark(world, services.all, redis);
    const tracker = new CpuTracker(() => [...services.all.map((s) => s.pid), world.redis.pid, ...postgresPids()]).start();
    const windowStart = wallNow();
    if (waiting) {
      submissions = waiting.submissions;
      await Promise.all(queues.map((queue) => queue.resume()));
      await waiting.polls.done;
    } else {
      submissions = await submitClaims(client, plan, tokens, { inflight: options.inflight, keyPrefix: `bench-${world.stamp}`, idempotencyKeys: options.idempotencyKeys }, retried);
    }
    const acceptedIds = () => submissions.flatMap((s) => (s?.claimId !== undefined ? [s.claimId] : []));
    await waitForOutcomes(check, decidedAt, acceptedIds, options.timeoutMs, benchQueries);
    const cpuSeconds = tracker.stop();
    const after = await mark(world, services.all, redis);
    clearInterval(memoryTimer);
    await sampleMemory();
    const otherPids = await otherDatabaseBackends(world.monitor, database);
    await check.destroy();
    check = undefined;
    for (const submission of submissions) increment(http, submission.status);

    // Stop the services (their backends exit, which publishes their last statistics), then read the counters.
    client.close();
    client = undefined;
    await Promise.all(services.all.map((service) => stopService(service)));
    await waitForNoBackends(world, database);
    const statsAfter = await databaseStats(world.monitor, database);

    const db = makeDb(url, { max: 2 });
    try {
      const outcomes = await outcomeCounts(db);
      const rows = await claimTimes(db);
      const invariants = await checkInvariants(db, { defaultLimit: world.maxActiveTasks, firstComeFirstServed: true });
      const serverErrors = Object.entries(http).filter(([status]) => /^(GET )?5\d\d$/.test(status) && !status.endsWith('503'));
      invariants.push({
        name: 'no request answered 500 (503 with Retry-After is allowed)',
        ok: serverErrors.length === 0,
        violations: serverErrors.map(([status, count]) => ({ status, count })),
      });
      const claims = rows.length;
      const lastDecision = maxOf([...decidedAt.values(), ...rows.map((row) => row.completed ?? 0)]);
      const seconds = (lastDecision - windowStart) / 1000;
      const completedById = new Map(rows.map((row) => [row.id, row.completed]));
      let missed = 0;
      const acceptToTerminal: number[] = [];
      for (const submission of submissions) {
        if (submission?.claimId === undefined) continue;
        // Terminal when the bench first learns it: the decision event (published after commit), or for
        // inline dispatch the answer itself, whichever comes first; PostgreSQL's completed_at if both are missing.
        const event = decidedAt.get(submission.claimId);
        if (event === undefined) missed += 1;
        const seen = [event, mode === 'inline' ? submission.answeredAt : undefined].filter((at): at is number => at !== undefined);
        const terminal = seen.length ? Math.min(...seen) : (completedById.get(submission.claimId) ?? undefined);
        if (terminal !== undefined) acceptToTerminal.push(Math.max(0, terminal - submission.sentAt));
      }
      let wakeMs: number[] = [];
      let waitingRoom: WaitingRoomFigures | undefined;
      if (waiting) {
        const answered = waiting.polls.answered;
        wakeMs = submissions.flatMap((s, index) => {
          const decided = s.claimId !== undefined ? decidedAt.get(s.claimId) : undefined;
          const at = answered[index];
          return decided !== undefined && at !== undefined ? [Math.max(0, at - decided)] : [];
        });
        waitingRoom = {
          ...waiting.figures,
          wakeMs: summarize(wakeMs),
          answeredTerminal: answered.filter((at) => at !== undefined).length,
          repolls: waiting.polls.repolls(),
          secondsToAnswerAllAfterResume: (maxOf(answered.filter((at): at is number => at !== undefined)) - windowStart) / 1000,
        };
      }
      const delta = statsDelta(statsBefore, statsAfter);
      const commits = delta.xact_commit - benchQueries.queries;
      const cpu = cpuFigures(world, services, cpuSeconds, before, after, otherPids);
      const latencies = waiting ? wakeMs : acceptToTerminal;
      const result: RunResult = {
        scenario,
        mode,
        description: plan.description,
        database,
        processes: { api: services.apis.length, workers: services.workers.length },
        requests: plan.claims.length,
        claims,
        seconds,
        claimsPerSecond: claims / seconds,
        acceptMs: summarize(submissions.flatMap((s) => (s?.answeredAt !== undefined ? [s.answeredAt - s.sentAt] : []))),
        acceptToTerminalMs: summarize(latencies),
        dbAcceptToTerminalMs: summarize(rows.flatMap((row) => (row.completed !== null ? [row.completed - row.submitted] : []))),
        acceptToTerminalCurve: curve(latencies),
        latencyNote: waiting
          ? 'accept: POST with the queues paused; accept→terminal is the wake latency (decision published → long-poll answered); claims/s from resuming the queues'
          : undefined,
        outcomes,
        http,
        retried,
        invariants,
        invariantsPass: invariants.every((report) => report.ok),
        db: { delta, benchOwnQueries: benchQueries.queries, commits, commitsPerClaim: commits / claims, rollbacks: delta.xact_rollback },
        statements: statementFigures(statementDelta(before, after, services.all), claims),
        redis: redisFigures(before, after, claims, peak),
        cpuSeconds: cpu,
        cpuPer1000Claims: perThousand(cpu, claims),
        eventLoopUtilization: { api: eventLoopUtilization(before, after, services.apis), worker: eventLoopUtilization(before, after, services.workers) },
        decidedEventsMissed: missed,
        othersBusyCoresBefore,
        waitingRoom,
      };
      if (cpuProfileDir) {
        const window = { from: Number(before.hr / 1000n), to: Number(after.hr / 1000n) };
        // For `tsx bench/profile.ts <dir> --from … --to …` later: the burst window in the profiles' clock.
        writeFileSync(path.join(cpuProfileDir, 'window.json'), `${JSON.stringify(window)}\n`);
        const summary = (role: string) => {
          const files = services.all
            .filter((s) => s.role === role && existsSync(path.join(cpuProfileDir, s.name)))
            .flatMap((s) => profileFiles(path.join(cpuProfileDir, s.name)));
          return files.length ? summarizeProfiles(files, window) : undefined;
        };
        result.profiles = { api: summary('api'), worker: summary('worker'), window, dir: path.relative(path.resolve(__dirname, '..'), cpuProfileDir) };
      }
      world.log(
        `${scenario} / ${mode}: ${claims} claims in ${seconds.toFixed(1)} s = ${result.claimsPerSecond.toFixed(0)} claims/s; invariants ${result.invariantsPass ? 'PASS' : 'FAIL'}`,
      );
      return result;
    } finally {
      await db.destroy();
    }
  } finally {
    clearInterval(memoryTimer);
    client?.close();
    await check?.destroy();
    await Promise.all(services.all.map((service) => stopService(service)));
    await Promise.all(queues.map((queue) => queue.close()));
    subscriber.disconnect();
    redis.disconnect();
    if (!options.keepDatabases) await dropDatabase(url);
  }
}
