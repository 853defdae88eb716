/**
 * `npm start`: create and migrate the database, seed a demo on an empty one, then run one API and
 * one claim worker as child processes. SIGTERM/SIGINT are passed on; if either child dies, both stop.
 * Without PostgreSQL there is nothing to migrate: one line says so and `npm start` exits 1. Without
 * Redis the children wait for it (each says so every 10 s), and the demo is printed once the API is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ensureDatabase, makeDb, migrateLatest, postgresAt } from '@taskclaim/shared/db';
import { isInfrastructureError, makeLogger, parseConfig, storeUnreachable, type Logger } from '@taskclaim/shared/runtime';
import { printDemo, printRestart } from './banner';
import { isEmptyDatabase, seedDemo, type DemoSeed } from './demo-seed';

const root = path.resolve(__dirname, '..');

function run(name: string, script: string, logger: Logger): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, script)], { stdio: 'inherit', env: process.env });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      logger.error(`${name} exited (${signal ?? code}); stopping`, { exitCode: code, signal });
      stopAll('SIGTERM', code ?? 1);
    }
  });
  return child;
}

let stopping = false;
const children: ChildProcess[] = [];
function stopAll(signal: NodeJS.Signals, exitCode = 0): void {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
  Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.on('exit', resolve)) : null))).then(() =>
    process.exit(exitCode),
  );
}

/** Until the API answers /readyz (it waits for Redis as long as Redis is down), or the children stopped. */
async function waitForReady(port: number): Promise<boolean> {
  while (!stopping) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

async function main(): Promise<void> {
  const config = parseConfig();
  const logger = makeLogger({ level: config.LOG_LEVEL, service: 'start' });
  try {
    await ensureDatabase(config.DATABASE_URL);
  } catch (error) {
    if (!isInfrastructureError(error)) throw error;
    const { message, meta } = storeUnreachable(postgresAt(config.DATABASE_URL), error, false);
    logger.error(message, meta);
    process.exit(1);
  }
  const db = makeDb(config.DATABASE_URL, { max: 2 });
  let demo: DemoSeed | undefined;
  try {
    await migrateLatest(db);
    // The API process brings the bootstrap admin token in line with ADMIN_TOKEN as it starts.
    if (await isEmptyDatabase(db)) demo = await seedDemo(db, { createAdminToken: !config.ADMIN_TOKEN });
  } finally {
    await db.destroy();
  }

  children.push(run('api', 'services/api/src/main.ts', logger), run('claim-worker', 'services/claim-worker/src/main.ts', logger));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGTERM'));
  if (!(await waitForReady(config.PORT))) return;
  if (demo) printDemo(demo, config.PORT);
  else printRestart(config.PORT);
}

main().catch((error: unknown) => {
  makeLogger({ level: 'error', service: 'start' }).error(`npm start could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
