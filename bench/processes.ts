import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { freePort, until } from '../harness/processes';
import type { ProbeSnapshot } from './probe';

export const ROOT = path.resolve(__dirname, '..');
const PROBE = path.join(ROOT, 'bench/probe.ts');

type Role = 'seeder' | 'api' | 'worker';

export interface ServiceProcess {
  role: Role;
  name: string;
  child: ChildProcess;
  pid: number;
  port?: number;
  logFile: string;
  exited: Promise<number | null>;
  log(): string;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  logDir: string;
  probeDir: string;
  /** `node --cpu-prof` into this directory (the flag is not allowed in NODE_OPTIONS, so it goes on the command line) */
  cpuProfileDir?: string;
}

/**
 * Starts one service entry point exactly as `npm run start:api` / `start:worker` would (node + tsx),
 * plus the bench probe. Output goes to a log file, so the benchmark spends no CPU reading it.
 */
function spawnService(role: Role, name: string, script: string, env: NodeJS.ProcessEnv, options: SpawnOptions): ServiceProcess {
  const logFile = path.join(options.logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const profile = options.cpuProfileDir && role !== 'seeder' ? ['--cpu-prof', `--cpu-prof-dir=${path.join(options.cpuProfileDir, name)}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', '--import', PROBE, script], {
    env: { ...options.env, ...env, BENCH_PROBE_DIR: options.probeDir },
    stdio: ['ignore', fd, fd],
    cwd: ROOT,
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    role,
    name,
    child,
    pid: child.pid as number,
    port: env.PORT ? Number(env.PORT) : undefined,
    logFile,
    exited,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
}

const tail = (text: string) => text.split('\n').slice(-30).join('\n');

/** taskclaim's API, or (`script`) another server that answers HTTP and /readyz, such as a baseline's server. */
export async function startApi(role: 'api' | 'seeder', name: string, options: SpawnOptions, script = 'services/api/src/main.ts'): Promise<ServiceProcess> {
  const port = await freePort();
  const api = spawnService(role, name, path.join(ROOT, script), { PORT: String(port) }, options);
  await untilStarted(api, async () => {
    if (api.child.exitCode !== null) throw new Error(`${name} exited:\n${tail(api.log())}`);
    return fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
  });
  return api;
}

export async function startWorker(name: string, options: SpawnOptions): Promise<ServiceProcess> {
  const worker = spawnService('worker', name, path.join(ROOT, 'services/claim-worker/src/main.ts'), {}, options);
  await untilStarted(worker, () => {
    if (worker.child.exitCode !== null) throw new Error(`${name} exited:\n${tail(worker.log())}`);
    return worker.log().includes('claim workers started');
  });
  return worker;
}

/** Waits (up to a minute) until a service says it is ready; one that never does is stopped, not left running after the bench. */
async function untilStarted(service: ServiceProcess, ready: () => boolean | Promise<boolean>): Promise<void> {
  try {
    await until(ready, service.name, 60_000);
  } catch (error) {
    await stopService(service);
    throw error;
  }
}

/** SIGTERM (the services drain and exit 0, which also flushes their backends' statistics and CPU profiles). */
export async function stopService(service: ServiceProcess, timeoutMs = 20_000): Promise<number | null> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return service.child.exitCode;
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), timeoutMs);
  try {
    return await service.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Asks each process's probe for a snapshot and waits for it to be written. */
export async function probeSnapshots(services: ServiceProcess[], probeDir: string): Promise<Map<number, ProbeSnapshot>> {
  const read = (pid: number): ProbeSnapshot | undefined => {
    const file = path.join(probeDir, `${pid}.json`);
    if (!existsSync(file) || statSync(file).size === 0) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as ProbeSnapshot;
    } catch {
      return undefined; // caught mid-write: read again
    }
  };
  const previous = new Map(services.map((s) => [s.pid, read(s.pid)?.seq ?? 0]));
  for (const service of services) service.child.kill('SIGUSR2');
  const snapshots = new Map<number, ProbeSnapshot>();
  await until(() => {
    for (const service of services) {
      const snapshot = read(service.pid);
      if (snapshot && snapshot.seq > (previous.get(service.pid) ?? 0)) snapshots.set(service.pid, snapshot);
    }
    return snapshots.size === services.length;
  }, 'probe snapshots', 10_000);
  return snapshots;
}
