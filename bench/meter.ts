import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

/** USER_HZ: /proc times are in clock ticks (100 on Linux x86 unless the kernel says otherwise). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process (all its threads), in seconds; undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after it are space-separated.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Every PostgreSQL process on the machine (what `pgrep -u postgres postgres` lists: postmaster,
 * backends, background workers), found by scanning /proc — cheap enough to do twice a second.
 */
export function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'postgres') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

type CpuSample = Map<number, number>;

function sampleCpu(pids: number[]): CpuSample {
  const sample: CpuSample = new Map();
  for (const pid of pids) {
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) sample.set(pid, seconds);
  }
  return sample;
}

/**
 * CPU seconds of processes over a window, sampled every `intervalMs` so that short-lived processes
 * (pgbench's backends, a pool's recycled connection) count too: each process contributes its last
 * sample minus its first (or minus zero when it started inside the window). What a process spends
 * after its last sample and before exiting is lost, at most one interval.
 */
export class CpuTracker {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: () => number[], private readonly intervalMs = 500) {}

  start(): this {
    for (const [pid, seconds] of sampleCpu(this.pids())) {
      this.first.set(pid, seconds);
      this.last.set(pid, seconds);
    }
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  private sample(): void {
    for (const [pid, seconds] of sampleCpu(this.pids())) {
      if (!this.first.has(pid)) this.first.set(pid, 0);
      this.last.set(pid, seconds);
    }
  }

  /** Takes a last sample and returns seconds by pid. */
  stop(): Map<number, number> {
    clearInterval(this.timer);
    this.sample();
    return new Map([...this.last].map(([pid, seconds]) => [pid, seconds - (this.first.get(pid) ?? 0)]));
  }
}

export const sumOf = (seconds: Map<number, number>, pids?: Iterable<number>): number => {
  let total = 0;
  for (const pid of pids ?? seconds.keys()) total += seconds.get(pid) ?? 0;
  return total;
};

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return (user + nice + system + irq + softirq + (steal ?? 0)) / TICKS_PER_SECOND;
}

export interface DatabaseStats {
  xact_commit: number;
  xact_rollback: number;
  tup_returned: number;
  tup_fetched: number;
  tup_inserted: number;
  tup_updated: number;
  tup_deleted: number;
  blks_hit: number;
  blks_read: number;
}

/**
 * pg_stat_database for one database, read from another database's connection so that reading does
 * not count. Backends publish their counters when they go idle (at most once a second, else within
 * 10 s) and when they exit: the bench reads `after` once the services have exited.
 */
export async function databaseStats(monitor: pg.Client, database: string): Promise<DatabaseStats> {
  await monitor.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await monitor.query(
    `SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted, blks_hit, blks_read
     FROM pg_stat_database WHERE datname = $1`,
    [database],
  );
  const row = rows[0] ?? {};
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)])) as unknown as DatabaseStats;
}

export function statsDelta(before: DatabaseStats, after: DatabaseStats): DatabaseStats {
  return Object.fromEntries(Object.keys(after).map((key) => [key, after[key as keyof DatabaseStats] - before[key as keyof DatabaseStats]])) as unknown as DatabaseStats;
}

/** Backends connected to other databases than ours (someone else's load on the shared PostgreSQL), by pid. */
export async function otherDatabaseBackends(monitor: pg.Client, database: string): Promise<number[]> {
  const { rows } = await monitor.query(`SELECT pid FROM pg_stat_activity WHERE datname IS NOT NULL AND datname <> $1 AND pid <> pg_backend_pid()`, [database]);
  return rows.map((row: { pid: number }) => Number(row.pid));
}

/** Parses `INFO <section>` into key → value. */
export function parseRedisInfo(info: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of info.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) values[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return values;
}

/** `INFO commandstats` → calls by command. */
export function redisCommandCalls(info: Record<string, string>): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const [key, value] of Object.entries(info)) {
    if (!key.startsWith('cmdstat_')) continue;
    const match = /calls=(\d+)/.exec(value);
    if (match) calls[key.slice('cmdstat_'.length)] = Number(match[1]);
  }
  return calls;
}
