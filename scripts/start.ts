/**
 * `npm start`: create and migrate the database, seed a demo on an empty one, then run one API and
 * one claim worker as child processes. SIGTERM/SIGINT are passed on; if either child dies, both stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ensureDatabase, makeDb, migrateLatest } from '@taskclaim/shared/db';
import { parseConfig } from '@taskclaim/shared/runtime';
import { printDemo, printRestart } from './banner';
import { isEmptyDatabase, seedDemo, type DemoSeed } from './demo-seed';

const root = path.resolve(__dirname, '..');

function run(name: string, script: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, script)], { stdio: 'inherit', env: process.env });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping`);
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

async function waitForHealthy(port: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

async function main(): Promise<void> {
  const config = parseConfig();
  await ensureDatabase(config.DATABASE_URL);
  const db = makeDb(config.DATABASE_URL, { max: 2 });
  let demo: DemoSeed | undefined;
  try {
    await migrateLatest(db);
    // The API process brings the bootstrap admin token in line with ADMIN_TOKEN as it starts.
    if (await isEmptyDatabase(db)) demo = await seedDemo(db, { createAdminToken: !config.ADMIN_TOKEN });
  } finally {
    await db.destroy();
  }

  children.push(run('api', 'services/api/src/main.ts'), run('claim-worker', 'services/claim-worker/src/main.ts'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGTERM'));
  if (!(await waitForHealthy(config.PORT))) return;
  if (demo) printDemo(demo, config.PORT);
  else printRestart(config.PORT);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
