/**
 * `npm run bench`: the shift-start benchmark. Starts the API and the claim workers as child processes
 * against fresh databases and a private Redis, sets data up through the admin API, fires each
 * scenario over HTTP, waits for every outcome, checks SPEC §6, and compares queue dispatch with
 * inline dispatch and with pgbench replaying one claim's statements (the database ceiling).
 * See docs/bench.md for the latest results and `npm run bench -- --help` for the flags.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { configSchema, dropDatabase, ensureDatabase, makeDb, migrateLatest, parseConfig } from '@taskclaim/shared';
import { startPrivateRedis } from '../test/faults/support/services';
import { parseRedisInfo } from './meter';
import { parseOptions } from './options';
import { ROOT } from './processes';
import { latencySvg, markdownReport, type BenchReport, type MachineInfo } from './report';
import { runCeiling, type CeilingResult } from './ceiling';
import { prepareScenario, runScenario, type RunResult } from './run';
import type { BenchWorld } from './world';

const METHOD = [
  'Each scenario and mode runs on its own copy of a freshly migrated database (`taskclaim_bench_<timestamp>_<scenario>_<mode>`, created from `taskclaim_bench_<timestamp>`, all dropped at the end) and an emptied private Redis (redis-server on a free port, no persistence).',
  'Data is set up through the admin API (PUT departments and operators, bulk PUT /api/admin/tasks, one operator token per operator) by a separate seeder API process, stopped before the burst so that its statistics are flushed; the measured API and worker processes are the unmodified entry points (`node --import tsx services/*/src/main.ts`) plus a bench probe preloaded with `--import bench/probe.ts` that counts the statements node-pg sends and answers SIGUSR2 with a snapshot.',
  'Claims are POSTed by one load generator with keep-alive sockets, round-robin over the API processes, at most `--inflight` requests in flight, each with its operator\'s token, `Prefer: respond-async` and an Idempotency-Key (a 503 or a network error is retried for up to a minute with the same key).',
  'accept = POST sent → answer received (queue: the 202; inline: the outcome). accept→terminal = POST sent → the decision known: the `claim-decided` event the deciding process publishes after commit (the bench subscribes to it), or for inline the answer if that comes first; PostgreSQL\'s completed_at only if both are missing. claims/s = claims stored ÷ (first POST sent → last decision).',
  'DB commits per claim = delta of `pg_stat_database.xact_commit` of the run\'s database, read from another database before the burst and after the services exited (exit flushes a backend\'s counters), minus the bench\'s own polling queries. It includes each process\'s background work during the run (reconciler rounds). Statements per claim come from the probe (exact, BEGIN/COMMIT counted separately); pg_stat_statements is not loaded on this server.',
  'CPU seconds = utime + stime from /proc/<pid>/stat over the burst: API and worker processes (all threads), every PostgreSQL process (`pgrep -u postgres postgres`, so other databases\' backends are included; their share is shown separately when it is not negligible), the private redis-server, the load generator itself (process.cpuUsage), and the whole machine (/proc/stat).',
  'Redis: commands per claim from `INFO commandstats` deltas (the bench\'s INFO sampling excluded; commandstats also counts the commands BullMQ\'s Lua scripts run inside EVALSHA, so EVALSHA is the number of script round trips); used_memory after the run and the peak of 500 ms samples during it.',
  'Waiting room (queue mode only: inline dispatch answers every POST with its outcome, there is nothing to wait for): the partition queues are paused, the claims are POSTed (202), every client opens `GET /api/claims/{id}` with `Prefer: wait=30` at once (re-polling if a wait ends undecided); once the API has sent its last statement the bench waits for pg_stat to settle, then measures a hold window (probe statements of the API, pg_stat_database deltas, CPU), then resumes the queues and measures the wake latency.',
  'Database ceiling: the statements of one claim are captured from the service itself (`insertClaim` + `applyClaim` on a throwaway copy of the seeded database, knex query log), turned into a pgbench script (`-M extended` like node-pg, `\\set` draws of task and operator like the scenario, a fresh Idempotency-Key per claim; the win/reject branch taken on the task\'s assignee — one column added to the task lock\'s select list — and the active-task count against the limit) and run with as many clients as the in-flight count allows under max_connections, and with the partition count; claims/s = pgbench tps (without connection time). It excludes what the API reads per request (token, task existence) and every Redis round trip.',
  'This machine is shared: before each run the bench waits (up to `--wait-quiet-ms`) until other processes use under a third of a core, and the column "CPU other processes" shows what they used during the run anyway (machine busy time minus everything measured above).',
  'Invariants: `checkInvariants` (SPEC §6, first come first served included) on each run\'s database after the burst, plus no 500 answer. Any FAIL makes `npm run bench` exit 1.',
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

/**
 * Replaces one generated block of docs/bench.md — `bench` (the full run, with its chart) or `scaling`
 * (a --scale run) — and keeps everything outside it (the written diagnosis).
 */
function writeDocs(docsDir: string, blockName: 'bench' | 'scaling', markdown: string, svg?: string): void {
  mkdirSync(docsDir, { recursive: true });
  const file = path.join(docsDir, 'bench.md');
  const begin = `<!-- ${blockName}:begin (generated by npm run bench; edit outside this block) -->`;
  const end = `<!-- ${blockName}:end -->`;
  const chart = svg ? '\n\n![accept→terminal latency percentiles, queue vs inline](bench-latency.svg)' : '';
  const block = `${begin}\n${markdown}${chart}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark\n';
  const start = current.indexOf(`<!-- ${blockName}:begin`);
  const stop = current.indexOf(end);
  const next = start >= 0 && stop > start ? `${current.slice(0, start)}${block}${current.slice(stop + end.length)}` : `${current}\n${block}\n`;
  writeFileSync(file, next);
  if (svg) writeFileSync(path.join(docsDir, 'bench-latency.svg'), svg);
}

/** A --scale run fills the scaling block and leaves the main table and its chart alone. */
function writeReportDocs(docsDir: string, report: BenchReport, markdown: string): void {
  if (report.options.scale) writeDocs(docsDir, 'scaling', markdown);
  else writeDocs(docsDir, 'bench', markdown, latencySvg(report));
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.fromResults) {
    const report = JSON.parse(readFileSync(options.fromResults, 'utf8')) as BenchReport;
    const markdown = markdownReport({ ...report, errors: report.errors ?? [] });
    console.log(markdown);
    if (options.docs) writeReportDocs(options.docsDir, report, markdown);
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
    const ceilings: CeilingResult[] = [];
    const errors: string[] = [];
    for (const scenario of options.scenarios) {
      const prepared = await prepareScenario(world, scenario);
      for (const mode of options.modes) {
        if (scenario === 'waiting-room' && mode === 'inline') {
          log('waiting-room / inline: skipped (inline dispatch answers every POST with its outcome; nobody waits)');
          continue;
        }
        const configurations = mode === 'queue' && options.scale ? options.scale : [{ api: options.api, workers: options.workers }];
        for (const processes of configurations) runs.push(await runScenario(world, prepared, mode, processes));
      }
      if (options.ceiling && scenario !== 'waiting-room') {
        // A ceiling that cannot run must not lose the runs already measured: it is reported, and the bench fails.
        try {
          ceilings.push(await runCeiling(world, prepared));
        } catch (error) {
          errors.push(`${scenario} / ceiling: ${(error as Error).message.slice(0, 2_000)}`);
          log(`${scenario} / ceiling FAILED: ${(error as Error).message.slice(0, 500)}`);
        }
      }
      if (!options.keepDatabases) await dropDatabase(databaseUrl(prepared.seedDatabase));
    }

    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command,
      machine,
      options,
      runs,
      ceilings,
      invariantsPass: runs.every((run) => run.invariantsPass),
      errors,
      method: METHOD,
    };
    mkdirSync(options.resultsDir, { recursive: true });
    const jsonFile = path.join(options.resultsDir, `${stamp}.json`);
    writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    const markdown = markdownReport(report);
    console.log(`\n${markdown}\n`);
    log(`results: ${path.relative(process.cwd(), jsonFile)}`);
    if (options.docs) {
      writeReportDocs(options.docsDir, report, markdown);
      log(`docs: ${path.relative(process.cwd(), path.join(options.docsDir, 'bench.md'))}${options.scale ? ' (scaling block)' : ', bench-latency.svg'}`);
    }
    const ok = report.invariantsPass && errors.length === 0;
    if (ok && !options.keepLogs) rmSync(workDir, { recursive: true, force: true });
    else if (ok) log(`service logs kept in ${workDir}`);
    else log(`${report.invariantsPass ? 'a part of the bench failed' : 'an invariant FAILED'}; service logs kept in ${workDir}`);
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
