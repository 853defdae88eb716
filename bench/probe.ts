/**
 * Preloaded into the benchmark's API and worker processes (`node --import tsx --import bench/probe.ts …`);
 * nothing of the service changes. It counts the statements each process sends to PostgreSQL (node-pg's
 * `Client.prototype.query`, which knex uses for every query, BEGIN and COMMIT included) and measures
 * event-loop utilisation. On SIGUSR2 it writes a snapshot to `$BENCH_PROBE_DIR/<pid>.json`, so the
 * benchmark can take exact deltas over the burst without waiting for PostgreSQL's statistics to flush.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

export interface ProbeSnapshot {
  pid: number;
  seq: number;
  at: number;
  /** every statement sent, by text (knex's SQL uses $n placeholders, so texts are few and stable) */
  statements: Record<string, number>;
  eventLoop: { idle: number; active: number };
}

const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  const statements = new Map<string, number>();
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function query(this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string } | undefined;
    const text = typeof config === 'string' ? config : (config?.text ?? '?');
    statements.set(text, (statements.get(text) ?? 0) + 1);
    return original.apply(this, args);
  } as typeof pg.Client.prototype.query;

  let seq = 0;
  process.on('SIGUSR2', () => {
    const elu = performance.eventLoopUtilization();
    const snapshot: ProbeSnapshot = {
      pid: process.pid,
      seq: ++seq,
      at: Date.now(),
      statements: Object.fromEntries(statements),
      eventLoop: { idle: elu.idle, active: elu.active },
    };
    writeFileSync(path.join(dir, `${process.pid}.json`), JSON.stringify(snapshot));
  });
}
