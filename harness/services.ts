import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, until } from './processes';

/** Stops (SIGSTOP) or resumes (SIGCONT) processes: a store that stops answering while its connections stay open. */
const signalAll = (pids: number[], signal: 'SIGSTOP' | 'SIGCONT') => pids.forEach((pid) => process.kill(pid, signal));

/** A Redis of its own for a fault test or a bench run (it keeps nothing on disk, like the machine's), so FLUSHALL hurts no one else. */
export async function startPrivateRedis(): Promise<{ url: string; port: number; flushAll(): void; freeze(): void; thaw(): void; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const ping = () => {
    try {
      return execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() === 'PONG';
    } catch {
      return false;
    }
  };
  await until(ping, 'private redis');
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    flushAll: () => execFileSync('redis-cli', ['-p', String(port), 'flushall']),
    freeze: () => signalAll([child.pid as number], 'SIGSTOP'),
    thaw: () => signalAll([child.pid as number], 'SIGCONT'),
    stop: async () => {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

function postgresBin(name: string): string {
  const versions = execFileSync('ls', ['/usr/lib/postgresql']).toString().trim().split('\n').sort();
  return `/usr/lib/postgresql/${versions.at(-1)}/bin/${name}`;
}

/**
 * A PostgreSQL cluster of the test's own, run by the postgres user as Debian's is, so the test can
 * restart it mid-burst without disturbing anything else on the machine.
 */
export async function startPrivatePostgres(): Promise<{ url: string; restart(): void; freeze(): void; thaw(): void; stop(): void }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'taskclaim-pg-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  const asPostgres = (bin: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', postgresBin(bin), ...args], { stdio: 'pipe' });
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const pgCtl = (...args: string[]) =>
    asPostgres('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', ...args]);
  pgCtl('start');
  // The postmaster (first line of postmaster.pid) and every backend and helper it forked: frozen, nothing answers, no connection closes.
  const clusterPids = () => {
    const postmaster = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)]).toString().trim().split(/\s+/).filter(Boolean).map(Number);
    return [postmaster, ...children];
  };
  let frozen: number[] = [];
  return {
    url: `postgres://postgres@127.0.0.1:${port}/taskclaim_faults`,
    restart: () => pgCtl('restart', '-m', 'fast'),
    freeze: () => {
      frozen = clusterPids();
      signalAll(frozen, 'SIGSTOP');
    },
    thaw: () => {
      signalAll(frozen, 'SIGCONT');
      frozen = [];
    },
    stop: () => {
      if (frozen.length) signalAll(frozen, 'SIGCONT');
      try {
        pgCtl('stop', '-m', 'immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
