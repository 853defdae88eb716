/**
 * Builds the operator console (apps/console/dist, served by the API at /console/) when it is missing
 * or older than its sources, so `npm ci && npm start` shows a working console. `npm start`,
 * `npm run start:api` and the console's browser tests run it first. Without vite (an install with
 * --omit=dev) it only warns: the API then answers /console/ with how to build it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CONSOLE = path.join(ROOT, 'apps/console');
const BUILT = path.join(CONSOLE, 'dist/index.html');
/** What the bundle is made of: the page, its config, and the SDK it uses. */
const SOURCES = ['index.html', 'vite.config.ts', 'package.json', 'src'].map((name) => path.join(CONSOLE, name)).concat(path.join(ROOT, 'packages/client/src'));

function newestChange(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(file).map((name) => newestChange(path.join(file, name))));
}

export type ConsoleBuild = 'up to date' | 'built' | 'vite missing';

export function ensureConsole(): ConsoleBuild {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= Math.max(...SOURCES.map(newestChange))) return 'up to date';
  let vite: string;
  try {
    vite = path.join(path.dirname(require.resolve('vite/package.json', { paths: [CONSOLE] })), 'bin/vite.js');
  } catch {
    console.warn('The operator console is not built and vite is not installed (npm ci --omit=dev?): /console/ will say how to build it.');
    return 'vite missing';
  }
  console.log('Building the operator console (apps/console/dist)…');
  const build = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: CONSOLE, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`vite build of the operator console failed (exit ${build.status ?? build.signal})`);
  return 'built';
}

if (require.main === module) {
  try {
    ensureConsole();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
