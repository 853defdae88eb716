import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { claimQueueName } from '@taskclaim/shared/queue';
import { dropDatabase, ensureDatabase, makeDb } from '@taskclaim/shared/db';
import { checkInvariants, type InvariantReport } from '../harness/invariants';
import { BASELINE_MODES, baselineOf } from './baselines';
import { learnOutcome, postClaim, postReleaseMine, type ClientCounters, type ClientKind, type ClientOptions, type ClientRecord } from './clients';
import { RoundRobinClient, runWithInflight, wallNow } from './http';
import { leaseInvariants, raceLeases, type LeaseFigures } from './lease';
import { clientInvariants, operatorsOverLimit, shiftChangeInvariants } from './invariants';
import { CpuTracker, databaseStats, otherDatabaseBackends, parseRedisInfo, postgresPids, processCpuSeconds, redisCommandCalls, statsDelta, sumOf, type DatabaseStats } from './meter';
import type { Mode } from './options';
import { profileFiles, summarizeProfiles, type ProfileSummary } from './profile';
import { probeSnapshots, startApi, stopService, type SpawnOptions } from './processes';
import { buildPlan, seedThroughAdminApi, type Claim, type Plan, type ScenarioName } from './scenarios';
import { curve, increment, summarize, type Percentiles } from './stats';
import {
  eventLoopUtilization,
  mark,
  probeDirOf,
  SHORT,
  startServices,
  statementDelta,
  vacuumAnalyze,
  waitForNoBackends,
  waitForQuietMachine,
  type BenchWorld,
  type Marks,
  type Services,
} from './world';

interface CpuFigures {
  /** the processes answering HTTP: taskclaim's API processes, or a baseline's server */
  api: number;
  workers: number;
  postgres: number;
  /** part of `postgres`: backends connected to other databases (someone else's load on the shared server) */
  postgresOtherDatabases: number;
  redis: number;
  /** api + workers + postgres + redis */
  server: number;
  /** the load generator (the clients) */
  bench: number;
  /** every core of the machine, busy time */
  machine: number;
  /** machine − everything above: other processes on this shared machine */
  others: number;
}

interface StatementFigures {
  /** statements sent to PostgreSQL per claim, BEGIN/COMMIT excluded, by process role */
  perClaim: { api: number; worker: number; total: number };
  /** BEGIN / COMMIT / ROLLBACK per claim (all processes) */
  transactionControlPerClaim: number;
  top: { role: string; perClaim: number; sql: string }[];
}

interface WaitingRoomFigures {
  waiters: number;
  holdSeconds: number;
  settleMs: number;
  /** statements the API processes sent while every waiter was held and nothing was decided (bench probe) */
  apiStatementsWhileHolding: number;
  apiStatementsPerWaiterPerSecond: number;
  /** what the worker processes sent meanwhile (the reconciler's rounds) */
  workerStatementsWhileHolding: number;
  /** pg_stat_database xact_commit of the run's database over the same window (every process, reconciler included) */
  xactCommitWhileHolding: number;
  apiCpuSecondsPerSecondWhileHolding: number;
  redisCommandsWhileHolding: number;
}

/** What one run measures: a scenario, a server (taskclaim in a dispatch mode, or a baseline) and a client. */
export interface RunTarget {
  mode: Mode;
  client: ClientKind;
  /** which round of a scenario run `--rounds` times (undefined: it ran once) */
  round?: number;
}

export interface RunResult extends RunTarget {
  scenario: ScenarioName;
  description: string;
  database: string;
  processes: { api: number; workers: number };
  /** HTTP requests of the burst (shift-change: an End shift is one, its release requests are counted in `claims`) */
  requests: number;
  /** claims (and, in shift-change, release requests) whose client learned a decision (rule outcome or failed) */
  claims: number;
  seconds: number;
  claimsPerSecond: number;
  /** POST sent → POST answered */
  postMs: Percentiles;
  /** POST sent → the client knows the outcome */
  endToEndMs: Percentiles;
  endToEndCurve: { p: number; ms: number }[];
  latencyNote?: string;
  /** what the clients were told */
  outcomes: Record<string, number>;
  http: Record<string, number>;
  retried: Record<string, number>;
  repolls: number;
  /** operators holding more active tasks than their limit after the run */
  operatorsOverLimit: number;
  invariants: InvariantReport[];
  invariantsPass: boolean;
  db: { delta: DatabaseStats; commits: number; commitsPerClaim: number; rollbacks: number };
  statements: StatementFigures;
  redis: { commandsPerClaim: number; byCommandPerClaim: Record<string, number>; usedMemoryAfter: number; usedMemoryPeakDuringRun: number };
  cpuSeconds: CpuFigures;
  /** CPU milliseconds per claim */
  cpuMsPerClaim: CpuFigures;
  eventLoopUtilization: { api: number; worker: number };
  /** cores other processes kept busy just before the run (see --wait-quiet-ms) */
  othersBusyCoresBefore: number;
  waitingRoom?: WaitingRoomFigures;
  lease?: LeaseFigures;
  profiles?: { api?: ProfileSummary; worker?: ProfileSummary; window: { from: number; to: number }; dir: string };
}

/** A scenario's data, seeded once through the admin API; every run uses a copy of it. */
export interface PreparedScenario {
  plan: Plan;
  seedDatabase: string;
  tokens: Map<number, string>;
}

/** Math.max(...values) overflows the stack beyond ~100,000 values. */
const maxOf = (values: number[]): number => values.reduce((max, value) => (value > max ? value : max), -Infinity);

const TX_CONTROL = /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

/** Outcomes that mean the claim was decided (as opposed to a transport failure the client gave up on). */
const isDecision = (outcome: string | undefined): boolean => outcome !== undefined && !/^(HTTP |GET |network error)/.test(outcome);

export const runLabel = (run: Pick<RunResult, 'mode' | 'client' | 'round'>): string =>
  `${run.mode === 'queue' ? `queue, ${run.client} client` : run.mode}${run.round ? ` (round ${run.round})` : ''}`;

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
  const api = sumOf(seconds, services.apis.map((s) => s.pid));
  const workers = sumOf(seconds, services.workers.map((s) => s.pid));
  const postgres = sumOf(seconds, postgresPidsSeen);
  const redis = sumOf(seconds, [world.redis.pid]);
  const bench = (after.bench.user + after.bench.system - before.bench.user - before.bench.system) / 1e6;
  const machine = after.machine - before.machine;
  return {
    api,
    workers,
    postgres,
    postgresOtherDatabases: sumOf(seconds, otherPids.filter((pid) => postgresPidsSeen.includes(pid))),
    redis,
    server: api + workers + postgres + redis,
    bench,
    machine,
    others: Math.max(0, machine - api - workers - postgres - redis - bench),
  };
}

const perClaimMs = (figures: CpuFigures, claims: number): CpuFigures =>
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

async function apiStatementsSent(world: BenchWorld, services: Services): Promise<number> {
  const snapshots = await probeSnapshots(services.apis, probeDirOf(world));
  return [...snapshots.values()].reduce((total, s) => total + Object.values(s.statements).reduce((a, b) => a + b, 0), 0);
}

/**
 * Waiting room: every claim is POSTed with the partition queues paused (202), then every client
 * long-polls at once; once the API sends nothing more, a hold window measures what held waits cost.
 * Returns the records and the long-polls, still waiting for the queues to resume.
 */
async function holdWaiters(world: BenchWorld, services: Services, redis: Redis, queues: Queue[], client: RoundRobinClient, prepared: PreparedScenario, clientOptions: ClientOptions, counters: ClientCounters, database: string) {
  const { options } = world;
  const claims = prepared.plan.claims;
  await Promise.all(queues.map((queue) => queue.pause()));
  const records: ClientRecord[] = new Array(claims.length);
  await runWithInflight(claims, options.inflight, async (claim, index) => void (records[index] = await postClaim(client, claim, index, clientOptions, counters)));
  world.log(`waiting-room: ${records.filter((r) => r.claimId !== undefined).length} claims accepted with the queues paused; every client starts long-polling`);
  const polls = Promise.all(records.map((record) => learnOutcome(client, record, clientOptions, counters)));
  let last = -1;
  for (;;) {
    await sleep(500);
    const sent = await apiStatementsSent(world, services);
    if (sent === last) break;
    last = sent;
  }
  world.log(`waiting-room: waiters held; PostgreSQL's statistics settle for ${options.settleMs} ms, then a ${options.holdMs} ms hold window`);
  await sleep(options.settleMs);
  const statsBefore = await databaseStats(world.monitor, database);
  const apiCpuBefore = services.apis.map((s) => processCpuSeconds(s.pid) ?? 0);
  const before = await mark(world, services.all, redis);
  await sleep(options.holdMs);
  const after = await mark(world, services.all, redis);
  const apiCpu = services.apis.reduce((total, s, i) => total + (processCpuSeconds(s.pid) ?? 0) - apiCpuBefore[i], 0);
  const delta = statsDelta(statsBefore, await databaseStats(world.monitor, database));
  const holdSeconds = Number(after.hr - before.hr) / 1e9;
  const count = (role: Services['apis']) => [...statementDelta(before, after, role).values()].reduce((total, s) => total + [...s.values()].reduce((a, b) => a + b, 0), 0);
  const apiStatements = count(services.apis);
  const waiters = records.filter((r) => r.claimId !== undefined).length;
  const figures: WaitingRoomFigures = {
    waiters,
    holdSeconds,
    settleMs: options.settleMs,
    apiStatementsWhileHolding: apiStatements,
    apiStatementsPerWaiterPerSecond: apiStatements / waiters / holdSeconds,
    workerStatementsWhileHolding: count(services.workers),
    xactCommitWhileHolding: delta.xact_commit,
    apiCpuSecondsPerSecondWhileHolding: apiCpu / holdSeconds,
    redisCommandsWhileHolding: Math.round(redisFigures(before, after, 1, 0).commandsPerClaim),
  };
  return { records, polls, figures };
}

/** Fires `claims` (`inflight` at once), each client learning its outcome; an End shift yields one record per release request. */
async function fire(client: RoundRobinClient, claims: Claim[], inflight: number, clientOptions: ClientOptions, counters: ClientCounters): Promise<ClientRecord[]> {
  const records: ClientRecord[][] = new Array(claims.length);
  await runWithInflight(claims, inflight, async (claim, index) => {
    const answered = claim.releaseMine ? await postReleaseMine(client, claim, index, clientOptions, counters) : [await postClaim(client, claim, index, clientOptions, counters)];
    records[index] = answered;
    await Promise.all(answered.map((record) => learnOutcome(client, record, clientOptions, counters)));
  });
  return records.flat();
}

/** One scenario against one server with one kind of client, on a fresh copy of the seeded database and an emptied Redis. */
export async function runScenario(world: BenchWorld, prepared: PreparedScenario, target: RunTarget): Promise<RunResult> {
  const { options } = world;
  const { plan, tokens } = prepared;
  const scenario = plan.scenario;
  const label = `${SHORT[scenario]}-${target.mode}${target.mode === 'queue' ? `-${target.client}` : ''}${target.round ? `-r${target.round}` : ''}`;
  const database = `${world.baseDatabase}_${label.replace(/-/g, '_')}`;
  const url = world.databaseUrl(database);
  await ensureDatabase(url, prepared.seedDatabase);
  world.redis.flushAll();
  const runDir = path.join(world.workDir, label);
  mkdirSync(runDir, { recursive: true });
  const othersBusyCoresBefore = options.waitQuietMs > 0 ? await waitForQuietMachine(world, label) : NaN;
  const cpuProfileDir = options.profile ? path.join(options.resultsDir, 'profiles', world.stamp, label) : undefined;
  const baseline = baselineOf(target.mode);
  const env = { ...world.serviceEnv, DATABASE_URL: url, ...(baseline ? {} : { CLAIM_DISPATCH: target.mode }) };
  const spawn: SpawnOptions = { env, logDir: runDir, probeDir: probeDirOf(world), cpuProfileDir };

  const redis = new Redis(world.redis.url, { maxRetriesPerRequest: null });
  const queues = Array.from({ length: options.partitions }, (_, p) => new Queue(claimQueueName(p), { connection: redis, prefix: 'taskclaim' }));
  let services: Services = { apis: [], workers: [], all: [] };
  let client: RoundRobinClient | undefined;
  let memoryTimer: NodeJS.Timeout | undefined;
  try {
    world.log(`${label}: starting ${baseline ? `the ${baseline.mode} server` : `${options.api} API${target.mode === 'queue' ? ` + ${options.workers} workers` : ''}`} on ${database}`);
    services = await startServices(spawn, target.mode, label, { api: options.api, workers: options.workers });
    client = new RoundRobinClient(services.apis.map((api) => api.port as number));
    const counters: ClientCounters = { http: {}, retried: {}, repolls: 0 };
    const clientOptions: ClientOptions = { kind: target.client, tokens, keyPrefix: options.idempotencyKeys ? `bench-${world.stamp}` : undefined };
    let peak = 0;
    const sampleMemory = async () => {
      peak = Math.max(peak, Number(parseRedisInfo(await redis.info('memory')).used_memory));
    };
    memoryTimer = setInterval(() => void sampleMemory().catch(() => undefined), 500);

    // shift-change: the floor it starts from, claimed before the measured window (its own Idempotency-Keys)
    const floor = plan.preload ? await fire(client, plan.preload, options.inflight, { ...clientOptions, keyPrefix: clientOptions.keyPrefix && `${clientOptions.keyPrefix}-floor` }, { http: {}, retried: {}, repolls: 0 }) : [];
    if (plan.preload) world.log(`${label}: the floor holds ${floor.filter((r) => r.outcome === 'succeeded').length} tasks (${plan.preload.length} claim-next before the burst)`);
    const waiting = scenario === 'waiting-room' ? await holdWaiters(world, services, redis, queues, client, prepared, clientOptions, counters, database) : undefined;
    world.log(`${label}: ${waiting ? 'resuming the queues' : `firing ${plan.claims.length} claims, ${options.inflight} in flight`}`);
    const statsBefore = await databaseStats(world.monitor, database);
    const before = await mark(world, services.all, redis);
    const tracker = new CpuTracker(() => [...services.all.map((s) => s.pid), world.redis.pid, ...postgresPids()]).start();
    const windowStart = wallNow();
    let records: ClientRecord[];
    if (waiting) {
      await Promise.all(queues.map((queue) => queue.resume()));
      await waiting.polls;
      records = waiting.records;
    } else {
      records = await fire(client, plan.claims, options.inflight, clientOptions, counters);
    }
    const windowEnd = maxOf(records.map((r) => r.knownAt ?? 0));
    const cpuSeconds = tracker.stop();
    const after = await mark(world, services.all, redis);
    clearInterval(memoryTimer);
    await sampleMemory();
    const otherPids = await otherDatabaseBackends(world.monitor, database);
    // shift-change's lease variant, after the measured window
    const lease = plan.leaseRace ? await raceLeases(client, plan.leaseRace, queues, clientOptions, world.adminToken, options.inflight) : undefined;
    if (lease) world.log(`${label}: lease variant: ${lease.released}/${lease.leases} leases released, lateness max ${lease.latenessMs.max.toFixed(0)} ms`);

    // Stop the services (their backends exit, which publishes their last statistics), then read the counters.
    client.close();
    client = undefined;
    await Promise.all(services.all.map((service) => stopService(service)));
    await waitForNoBackends(world, database);
    const statsAfter = await databaseStats(world.monitor, database);

    const db = makeDb(url, { max: 2 });
    try {
      // a baseline stores no claim requests: only what its clients were told can be checked
      const invariants = [
        ...(baseline ? [] : await checkInvariants(db, { defaultLimit: world.maxActiveTasks, firstComeFirstServed: true })),
        ...(await clientInvariants(db, records, { defaultLimit: world.maxActiveTasks, storesClaims: !baseline })),
        ...(plan.preload ? await shiftChangeInvariants(db, floor, records) : []),
        ...(lease && plan.leaseRace ? await leaseInvariants(db, lease, plan.leaseRace) : []),
      ];
      const serverErrors = Object.entries(counters.http).filter(([status]) => / 5\d\d$/.test(status) && !status.endsWith('503'));
      invariants.push({ name: 'no request answered 500 (503 with Retry-After is allowed)', ok: serverErrors.length === 0, violations: serverErrors });
      const decided = records.filter((r) => isDecision(r.outcome));
      const claims = decided.length;
      const seconds = (windowEnd - windowStart) / 1000;
      const outcomes: Record<string, number> = {};
      for (const record of records) increment(outcomes, record.outcome ?? 'unknown');
      const endToEnd = decided.map((r) => (r.knownAt as number) - (waiting ? windowStart : r.sentAt));
      const delta = statsDelta(statsBefore, statsAfter);
      const cpu = cpuFigures(world, services, cpuSeconds, before, after, otherPids);
      const result: RunResult = {
        ...target,
        scenario,
        description: plan.description,
        database,
        processes: { api: services.apis.length, workers: services.workers.length },
        requests: plan.claims.length,
        claims,
        seconds,
        claimsPerSecond: claims / seconds,
        postMs: summarize(records.flatMap((r) => (r.answeredAt !== undefined ? [r.answeredAt - r.sentAt] : []))),
        endToEndMs: summarize(endToEnd),
        endToEndCurve: curve(endToEnd),
        latencyNote: waiting ? 'POST with the queues paused; end-to-end counts from resuming the queues' : undefined,
        outcomes,
        http: counters.http,
        retried: counters.retried,
        repolls: counters.repolls,
        operatorsOverLimit: await operatorsOverLimit(db, world.maxActiveTasks),
        invariants,
        invariantsPass: invariants.every((report) => report.ok),
        db: { delta, commits: delta.xact_commit, commitsPerClaim: delta.xact_commit / claims, rollbacks: delta.xact_rollback },
        statements: statementFigures(statementDelta(before, after, services.all), claims),
        redis: redisFigures(before, after, claims, peak),
        cpuSeconds: cpu,
        cpuMsPerClaim: perClaimMs(cpu, claims),
        eventLoopUtilization: { api: eventLoopUtilization(before, after, services.apis), worker: eventLoopUtilization(before, after, services.workers) },
        othersBusyCoresBefore,
        waitingRoom: waiting?.figures,
        lease,
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
        `${label}: ${claims} claims in ${seconds.toFixed(1)} s = ${result.claimsPerSecond.toFixed(0)} claims/s, server CPU ${result.cpuMsPerClaim.server.toFixed(2)} ms/claim; invariants ${result.invariantsPass ? 'PASS' : 'FAIL'}`,
      );
      return result;
    } finally {
      await db.destroy();
    }
  } finally {
    clearInterval(memoryTimer);
    client?.close();
    await Promise.all(services.all.map((service) => stopService(service)));
    await Promise.all(queues.map((queue) => queue.close()));
    redis.disconnect();
    if (!options.keepDatabases) await dropDatabase(url);
  }
}

/** Runs in the order the report reads: for each scenario the baselines first, then taskclaim. */
export function targetsOf(scenario: ScenarioName, modes: readonly Mode[], clients: readonly ClientKind[]): RunTarget[] {
  if (scenario === 'waiting-room') return modes.includes('queue') ? [{ mode: 'queue', client: 'async' }] : [];
  // the baselines have no release-mine (and no claim-next); End shift is pressed with Prefer: wait, as the console does
  if (scenario === 'shift-change') return modes.includes('queue') ? [{ mode: 'queue', client: clients.includes('wait') ? 'wait' : clients[0] }] : [];
  // the seed's design has no claim-next: the variant is taskclaim beside its own plain shift-start run
  const order: Mode[] = scenario === 'shift-start-next' ? ['inline', 'queue'] : [...BASELINE_MODES, 'inline', 'queue'];
  return order
    .filter((mode) => modes.includes(mode))
    // the baselines and inline answer every POST with its outcome: both clients do the same against them.
    .flatMap((mode): RunTarget[] => (mode === 'queue' ? clients.map((client) => ({ mode, client })) : [{ mode, client: clients.includes('wait') ? 'wait' : clients[0] }]));
}

/**
 * A scenario's runs, round after round: where taskclaim is compared with a baseline, the servers run
 * `rounds` times, every other round in reverse order, so that a machine whose speed drifts over the
 * minutes favours no server, and each round compares runs made a minute apart. Otherwise they run once.
 */
export function roundsOf(targets: RunTarget[], rounds: number): RunTarget[] {
  const compared = targets.some((target) => baselineOf(target.mode)) && targets.some((target) => !baselineOf(target.mode));
  if (!compared || rounds === 1) return targets;
  return Array.from({ length: rounds }, (_, index) => (index % 2 ? [...targets].reverse() : targets).map((target) => ({ ...target, round: index + 1 }))).flat();
}
