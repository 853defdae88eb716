import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { wallNow } from './http';
import { machineBusySeconds, parseRedisInfo } from './meter';
import type { BenchOptions, Mode, ProcessCounts } from './options';
import type { ProbeSnapshot } from './probe';
import { baselineOf } from './baselines';
import { probeSnapshots, startApi, startWorker, stopService, type ServiceProcess, type SpawnOptions } from './processes';
import type { ScenarioName } from './scenarios';

/** What every run shares: the server, the private Redis, the migrated template database, where files go. */
export interface BenchWorld {
  options: BenchOptions;
  stamp: string;
  baseDatabase: string;
  databaseUrl(name: string): string;
  redis: { url: string; pid: number; flushAll(): void };
  /** a connection to the `postgres` database, for pg_stat_* reads that must not count in the bench databases */
  monitor: pg.Client;
  workDir: string;
  adminToken: string;
  serviceEnv: NodeJS.ProcessEnv;
  maxActiveTasks: number;
  log(message: string): void;
}

export interface Services {
  apis: ServiceProcess[];
  workers: ServiceProcess[];
  all: ServiceProcess[];
}

export const SHORT: Record<ScenarioName, string> = { uniform: 'uni', 'shift-start': 'shift', 'shift-start-next': 'next', 'capacity-storm': 'storm', 'waiting-room': 'wait', 'shift-change': 'change' };

export const probeDirOf = (world: BenchWorld): string => path.join(world.workDir, 'probes');

/** The measured processes: the API processes and, in queue mode, the claim workers, started together; or a baseline's server. */
export async function startServices(spawn: SpawnOptions, mode: Mode, label: string, processes: ProcessCounts): Promise<Services> {
  const baseline = baselineOf(mode);
  if (baseline) {
    const server = await startApi('api', `${label}-server`, spawn, baseline.server);
    return { apis: [server], workers: [], all: [server] };
  }
  const settled = await Promise.allSettled([
    ...Array.from({ length: processes.api }, (_, i) => startApi('api', `${label}-api${i + 1}`, spawn)),
    ...(mode === 'queue' ? Array.from({ length: processes.workers }, (_, i) => startWorker(`${label}-worker${i + 1}`, spawn)) : []),
  ]);
  const started = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) {
    // the run never gets these processes to stop them: an API left running outlives the bench
    await Promise.all(started.map((service) => stopService(service)));
    throw failed.reason;
  }
  const apis = started.filter((s) => s.role === 'api');
  const workers = started.filter((s) => s.role === 'worker');
  return { apis, workers, all: [...apis, ...workers] };
}

export async function vacuumAnalyze(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

/** A backend publishes its last statistics when it exits: wait until a database has none left. */
export async function waitForNoBackends(world: BenchWorld, database: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { rows } = await world.monitor.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database]);
    if (rows[0].n === 0) return;
    await sleep(100);
  }
  world.log(`warning: backends of ${database} still connected; pg_stat_database may miss their last counts`);
}

/** A point in time of everything read by difference, except CPU (a CpuTracker samples that throughout). */
export interface Marks {
  wall: number;
  hr: bigint;
  machine: number;
  bench: NodeJS.CpuUsage;
  probes: Map<number, ProbeSnapshot>;
  redis: Record<string, string>;
}

export async function mark(world: BenchWorld, services: ServiceProcess[], redis: Redis): Promise<Marks> {
  const probes = services.length ? await probeSnapshots(services, probeDirOf(world)) : new Map<number, ProbeSnapshot>();
  return {
    wall: wallNow(),
    hr: process.hrtime.bigint(),
    machine: machineBusySeconds(),
    bench: process.cpuUsage(),
    probes,
    redis: parseRedisInfo(await redis.info('everything')),
  };
}

/** Statements each role sent between two marks, by SQL text. */
export function statementDelta(before: Marks, after: Marks, services: ServiceProcess[]): Map<string, Map<string, number>> {
  const byRole = new Map<string, Map<string, number>>();
  for (const service of services) {
    const end = after.probes.get(service.pid)?.statements ?? {};
    const start = before.probes.get(service.pid)?.statements ?? {};
    const role = byRole.get(service.role) ?? new Map<string, number>();
    for (const [sql, count] of Object.entries(end)) {
      const delta = count - (start[sql] ?? 0);
      if (delta > 0) role.set(sql, (role.get(sql) ?? 0) + delta);
    }
    byRole.set(service.role, role);
  }
  return byRole;
}

export function eventLoopUtilization(before: Marks, after: Marks, services: ServiceProcess[]): number {
  let idle = 0;
  let active = 0;
  for (const service of services) {
    const end = after.probes.get(service.pid)?.eventLoop;
    const start = before.probes.get(service.pid)?.eventLoop;
    if (!end || !start) continue;
    idle += end.idle - start.idle;
    active += end.active - start.active;
  }
  return idle + active > 0 ? active / (idle + active) : NaN;
}

/**
 * On a shared machine, waits (up to `maxWaitMs`) until other processes leave the CPUs nearly idle —
 * under a third of a core over two seconds — so that a run is not measured against someone's test
 * suite. Returns the cores busy just before the run, which the report keeps.
 */
export async function waitForQuietMachine(world: BenchWorld, what: string): Promise<number> {
  const deadline = Date.now() + world.options.waitQuietMs;
  let warned = false;
  for (;;) {
    const start = machineBusySeconds();
    await sleep(2_000);
    const cores = (machineBusySeconds() - start) / 2;
    if (cores < 0.33 || Date.now() >= deadline) {
      if (cores >= 0.33 && world.options.waitQuietMs > 0) world.log(`${what}: the machine is still busy (${cores.toFixed(2)} cores used by others); measuring anyway`);
      return cores;
    }
    if (!warned) world.log(`${what}: other processes use ${cores.toFixed(2)} cores; waiting up to ${Math.round(world.options.waitQuietMs / 1000)} s for a quieter machine`);
    warned = true;
  }
}
