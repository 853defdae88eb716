/**
 * The leak guard (STYLE.md: "a guard fails a test that leaves a worker, queue or connection open").
 * Installed in every integration and fault test file (leak-guard.setup.ts), it records each BullMQ
 * Worker or Queue (anything built on QueueBase), each knex pool and each ioredis connection the file
 * opens, and who opened it: a test env (`makeTestEnv`, `env.startWorker`) or the test itself.
 * - A test that ends with something it opened itself still open fails (leak-guard-environment.js).
 * - `env.close()` fails naming whatever of its own it left open.
 * - Whatever is still open once the file's afterAll hooks ran fails the file.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { QueueBase, Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { Client as KnexClient } from 'knex';

interface Tracked {
  seq: number;
  kind: 'BullMQ Worker' | 'BullMQ Queue' | 'knex pool' | 'Redis connection';
  name: string;
  /** the test env that opened it, if any */
  owner?: object;
  isOpen(): boolean;
}

const tracked: Tracked[] = [];
const owners = new AsyncLocalStorage<object>();
let seq = 0;
let installed = false;

function track(kind: Tracked['kind'], name: string, isOpen: () => boolean): void {
  tracked.push({ seq: ++seq, kind, name, owner: owners.getStore(), isOpen });
}

/** What the guard reads of an ioredis connection (`manuallyClosing` is private in its types). */
type Connection = { status: string; manuallyClosing?: boolean; leakTracked?: boolean; options: { host?: string; port?: number; connectionName?: string } };

/** Patches the prototypes through which every worker, queue, pool and connection is made (once per file). */
export function installLeakGuard(): void {
  if (installed) return;
  installed = true;

  // Every QueueBase (Queue, Worker, QueueEvents…) makes its backend in its constructor; Worker has its own createBackend.
  for (const Class of [QueueBase, Worker]) {
    const prototype = Class.prototype as unknown as { createBackend(this: QueueBase, ...args: unknown[]): unknown };
    const createBackend = prototype.createBackend;
    prototype.createBackend = function (...args) {
      // A JobScheduler borrows the backend of the queue or worker that makes it, and BullMQ never closes it.
      if ((Class === QueueBase || this instanceof Worker) && this.constructor.name !== 'JobScheduler') {
        track(this instanceof Worker ? 'BullMQ Worker' : 'BullMQ Queue', `${this.constructor.name} ${this.name}`, () => !this.closed);
      }
      return createBackend.apply(this, args);
    };
  }

  for (const Class of [Redis, Cluster]) {
    const prototype = Class.prototype as unknown as { connect(this: Connection, ...args: unknown[]): unknown };
    const connect = prototype.connect;
    prototype.connect = function (...args) {
      if (!this.leakTracked) {
        this.leakTracked = true;
        const name = Class === Cluster ? 'cluster' : `${this.options.host}:${this.options.port}`;
        // disconnect() and quit() set manuallyClosing at once; the status reaches 'end' a moment later.
        track('Redis connection', `${name} (${this.options.connectionName ?? 'unnamed'})`, () => this.status !== 'end' && !this.manuallyClosing);
      }
      return connect.apply(this, args);
    };
  }

  const knexClient = KnexClient.prototype as unknown as { initializePool(this: { pool?: unknown; database(): string }, ...args: unknown[]): unknown };
  const initializePool = knexClient.initializePool;
  knexClient.initializePool = function (...args) {
    track('knex pool', `of ${this.database()}`, () => this.pool !== undefined);
    return initializePool.apply(this, args);
  };
}

/** Runs `open` with what it opens (and what that opens later, in its async context) owned by `owner`. */
export function ownedBy<T>(owner: object, open: () => T): T {
  return owners.run(owner, open);
}

export const mark = (): number => seq;

const describe = (leaks: Tracked[]): string => leaks.map((leak) => `${leak.kind} ${leak.name}`).join(', ');

/** What matches `filter` and is still open, after a short grace for closes already under way. */
async function stillOpen(filter: (entry: Tracked) => boolean, graceMs = 1_000): Promise<Tracked[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const open = tracked.filter((entry) => filter(entry) && entry.isOpen());
    if (open.length === 0 || Date.now() > deadline) return open;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Throws naming what `owner` left open. */
export async function assertClosed(owner: object, what: string): Promise<void> {
  const open = await stillOpen((entry) => entry.owner === owner);
  if (open.length) throw new Error(`${what} left open: ${describe(open)}`);
}

/** What a test opened itself since `since` and left open (what envs open is checked when they close). */
export async function leaksOfTest(since: number): Promise<string | undefined> {
  const open = await stillOpen((entry) => entry.seq > since && entry.owner === undefined);
  return open.length ? `the test left open: ${describe(open)}` : undefined;
}

/** Everything of the file still open after its afterAll hooks. */
export async function leaksOfFile(): Promise<string | undefined> {
  const open = await stillOpen(() => true);
  return open.length ? `the test file left open after its afterAll hooks: ${describe(open)}` : undefined;
}
