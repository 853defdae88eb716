/**
 * `npm run bench`: the shift-start benchmark. Starts taskclaim's API and claim workers as child
 * processes (and, as the peer baseline, the seed plan's synchronous design: bench/baselines/seed-sync)
 * against fresh databases and a private Redis, sets data up through the admin API, fires each
 * scenario over HTTP with clients that learn their outcomes as real clients do, and checks SPEC §6.
 * See docs/bench.md for the latest results and `npm run bench -- --help` for the flags.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { configSchema, parseConfig } from '@taskclaim/shared/runtime';
import { dropDatabase, ensureDatabase, makeDb, migrateLatest } from '@taskclaim/shared/db';
import { startPrivateRedis } from '../harness/services';
import { baselineOf } from './baselines';
import { parseRedisInfo } from './meter';
import { parseOptions } from './options';
import { ROOT } from './processes';
import { latencySvg, markdownReport, type BenchReport, type MachineInfo } from './report';
import { prepareScenario, roundsOf, runScenario, targetsOf, type RunResult } from './run';
import type { BenchWorld } from './world';

const METHOD = [
  'Each scenario and server runs on its own copy of a freshly migrated database (`taskclaim_bench_<timestamp>_<scenario>_<server>`, created from `taskclaim_bench_<timestamp>`, all dropped at the end) and an emptied private Redis (redis-server on a free port, no persistence).',
  'Data is set up through the admin API (PUT departments and operators, bulk PUT /api/admin/tasks, one operator token per operator) by a separate seeder API process, stopped before the burst; the measured processes are the unmodified entry points (`node --import tsx services/*/src/main.ts`, and `bench/baselines/<name>/server.ts` for a baseline) plus a bench probe preloaded with `--import bench/probe.ts` that counts the statements node-pg sends and answers SIGUSR2 with a snapshot.',
  'seed-sync is the seed plan\'s design as a user would write it with Express and Knex: token lookup, one transaction per request, `SELECT … FOR UPDATE` of the task, department check, an unlocked count of the operator\'s active tasks, status and assignee checks in the seed\'s order, UPDATE task, INSERT notification, COMMIT, 200 or 400. Same tables, same tokens, same pool size (DATABASE_POOL_MAX) as taskclaim.',
  'fast-sync is the synchronous claim written for speed (`bench/baselines/fast-sync/`): Express 5 and node-postgres\' Pool, operator tokens cached after their first lookup, and one round trip per claim in autocommit — a named prepared statement `SELECT * FROM claim_task(…)` calling a PL/pgSQL function created at start-up that locks the task row, then the operator row, `FOR UPDATE` (so its capacity count is exact and no two claims deadlock), applies the claim rules of docs/api.md in order, updates the task, inserts the notification and returns what the answer needs. 200, 400, or 404 for an unknown task; its invariants are required like taskclaim\'s.',
  'Clients: `--inflight` claims in flight over keep-alive sockets, each with its operator\'s token and an Idempotency-Key (a 503 or a network error is retried for up to a minute with the same key). The async client POSTs (202), then long-polls `GET /api/claims/{id}` with `Prefer: wait=30` until the claim is terminal; the wait client POSTs with `Prefer: wait=30`. A server that answers every POST with its outcome (the baselines, inline) ends both at the POST, so it runs once. Outcomes are what the clients were told; the database is read only for the invariants.',
  'end-to-end = POST sent → the client knows the outcome. claims/s = decided claims ÷ (first POST sent → last outcome known).',
  'DB commits per claim = delta of `pg_stat_database.xact_commit` of the run\'s database, read from another database before the burst and after the services exited (exit flushes a backend\'s counters). Statements per claim come from the probe (exact, BEGIN/COMMIT counted separately).',
  'CPU ms per claim = utime + stime from /proc/<pid>/stat over the burst ÷ decided claims: the HTTP-serving processes (taskclaim API or a baseline\'s server), the claim workers, every PostgreSQL process (other databases\' backends are included; their share is shown separately when it is not negligible), the private redis-server, the load generator itself (process.cpuUsage), and the whole machine (/proc/stat). "server" = API + workers + PostgreSQL + Redis.',
  'Redis: commands per claim from `INFO commandstats` deltas (the bench\'s INFO sampling excluded; commandstats also counts the commands BullMQ\'s Lua scripts run inside EVALSHA); used_memory after the run and the peak of 500 ms samples during it.',
  'Waiting room (queue mode only): the partition queues are paused, the claims are POSTed (202), every client opens its long-poll at once; once the API has sent its last statement the bench waits for pg_stat to settle, then measures a hold window (probe statements, pg_stat_database deltas, CPU), then resumes the queues.',
  'This machine is shared: before each run the bench waits (up to `--wait-quiet-ms`) until other processes use under a third of a core, and the column "CPU other processes" shows what they used during the run anyway (machine busy time minus everything measured above).',
  'Invariants: for taskclaim, `checkInvariants` (the invariants of docs/guarantees.md, first come first served included) on each run\'s database, and for every server what the clients were told (no task promised twice, winners hold their tasks, nobody over their limit, every client answered, no 500; for taskclaim also: each client was told what the database holds). A FAIL of taskclaim or fast-sync makes `npm run bench` exit 1; seed-sync\'s failures are reported, never hidden, and do not fail the bench.',
];

const stampOf = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15).toLowerCase();

function sh(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return '';
  }
}

async function machineInfo(monitor: pg.Client, redisUrl: string): Promise<MachineInfo> {
  const { rows } = await monitor.query('SELECT version()');
  const redisInfo = parseRedisInfo(sh('redis-cli', ['-u', redisUrl, 'INFO', 'server']));
  return {
    nproc: Number(sh('nproc', [])) || os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres: String(rows[0].version).split(' on ')[0],
    redis: redisInfo.redis_version ?? 'unknown',
    os: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg(),
    git: {
      commit: sh('git', ['rev-parse', '--short', 'HEAD']),
      dirtyFiles: sh('git', ['status', '--porcelain']).split('\n').filter(Boolean),
    },
  };
}

/** Replaces the generated block of docs/bench.md (the full run, with its chart) and keeps everything outside it (the written diagnosis). */
function writeDocs(docsDir: string, markdown: string, svg: string): void {
  mkdirSync(docsDir, { recursive: true });
  const file = path.join(docsDir, 'bench.md');
  const begin = '<!-- bench:begin (generated by npm run bench; edit outside this block) -->';
  const end = '<!-- bench:end -->';
  const block = `${begin}\n${markdown}\n\n![end-to-end latency percentiles](bench-latency.svg)\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark\n';
  const start = current.indexOf('<!-- bench:begin');
  const stop = current.indexOf(end);
  const next = start >= 0 && stop > start ? `${current.slice(0, start)}${block}${current.slice(stop + end.length)}` : `${current}\n${block}\n`;
  writeFileSync(file, next);
  writeFileSync(path.join(docsDir, 'bench-latency.svg'), svg);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.fromResults) {
    const report = JSON.parse(readFileSync(options.fromResults, 'utf8')) as BenchReport;
    const markdown = markdownReport(report);
    console.log(markdown);
    if (options.docs) writeDocs(options.docsDir, markdown, latencySvg(report));
    return 0;
  }
  const startedAt = new Date();
  const stamp = stampOf(startedAt);
  const args = process.argv.slice(2).join(' ');
  const command = `npm run bench${args ? ` -- ${args}` : ''}`;
  const log = (message: string) => console.log(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1).padStart(6)} s] ${message}`);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'taskclaim-bench-'));
  const baseDatabase = `taskclaim_bench_${stamp}`;
  const databaseUrl = (name: string) => {
    const url = new URL(options.databaseUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };

  const monitor = new pg.Client({ connectionString: options.databaseUrl });
  await monitor.connect();
  const redis = await startPrivateRedis();
  const redisPid = Number(parseRedisInfo(sh('redis-cli', ['-p', String(redis.port), 'INFO', 'server'])).process_id);
  const dropAll = async () => {
    if (options.keepDatabases) return;
    const { rows } = await monitor.query(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY length(datname) DESC`, [`${baseDatabase}%`]);
    for (const row of rows) await dropDatabase(databaseUrl(row.datname));
  };
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted: cleaning up');
    void dropAll()
      .catch(() => undefined)
      .finally(() => redis.stop().finally(() => process.exit(130)));
  });

  try {
    const machine = await machineInfo(monitor, redis.url);
    log(`${machine.nproc} CPUs (${machine.cpuModel}), Node ${machine.node}; work files in ${workDir}`);
    await ensureDatabase(databaseUrl(baseDatabase));
    const migrator = makeDb(databaseUrl(baseDatabase), { max: 1 });
    try {
      await migrateLatest(migrator);
    } finally {
      await migrator.destroy();
    }

    // The services get a controlled environment: none of taskclaim's variables leak in from the caller's.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !(key in configSchema.shape) && key !== 'NODE_OPTIONS'));
    const adminToken = `bench-admin-${randomBytes(16).toString('hex')}`;
    const serviceEnv: NodeJS.ProcessEnv = {
      ...inherited,
      NODE_ENV: 'production',
      REDIS_URL: redis.url,
      ADMIN_TOKEN: adminToken,
      CLAIM_PARTITIONS: String(options.partitions),
      LOG_LEVEL: options.logLevel,
      QUEUE_PREFIX: 'taskclaim',
      WORKER_METRICS_PORT: '0',
    };
    const world: BenchWorld = {
      options,
      stamp,
      baseDatabase,
      databaseUrl,
      redis: { url: redis.url, pid: redisPid, flushAll: redis.flushAll },
      monitor,
      workDir,
      adminToken,
      serviceEnv,
      maxActiveTasks: parseConfig(serviceEnv).MAX_ACTIVE_TASKS,
      log,
    };

    const runs: RunResult[] = [];
    for (const scenario of options.scenarios) {
      const prepared = await prepareScenario(world, scenario);
      // waiting room: only queue mode holds waiters (the other servers answer every POST with its outcome)
      for (const target of roundsOf(targetsOf(scenario, options.modes, options.clients), options.rounds)) runs.push(await runScenario(world, prepared, target));
      if (!options.keepDatabases) await dropDatabase(databaseUrl(prepared.seedDatabase));
    }

    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command,
      machine,
      options,
      runs,
      // a baseline's known flaw (seed-sync's operators over their limit) is reported, not a failure of taskclaim's bench
      invariantsPass: runs.every((run) => baselineOf(run.mode)?.keepsInvariants === false || run.invariantsPass),
      method: METHOD,
    };
    mkdirSync(options.resultsDir, { recursive: true });
    const jsonFile = path.join(options.resultsDir, `${stamp}.json`);
    writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    const markdown = markdownReport(report);
    console.log(`\n${markdown}\n`);
    log(`results: ${path.relative(process.cwd(), jsonFile)}`);
    if (options.docs) {
      writeDocs(options.docsDir, markdown, latencySvg(report));
      log(`docs: ${path.relative(process.cwd(), path.join(options.docsDir, 'bench.md'))}, bench-latency.svg`);
    }
    const ok = report.invariantsPass;
    if (ok && !options.keepLogs) rmSync(workDir, { recursive: true, force: true });
    else if (ok) log(`service logs kept in ${workDir}`);
    else log(`an invariant of taskclaim FAILED; service logs kept in ${workDir}`);
    return ok ? 0 : 1;
  } catch (error) {
    if (!interrupted) log(`failed: ${(error as Error).stack ?? error}\nservice logs kept in ${workDir}`);
    return 1;
  } finally {
    await dropAll().catch((error: Error) => log(`could not drop the bench databases: ${error.message}`));
    await monitor.end().catch(() => undefined);
    await redis.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
