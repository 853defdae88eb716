import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dropDatabase, ensureDatabase, makeDb, type Db } from '@taskclaim/shared/db';
import { makeRedis, partitionOf } from '@taskclaim/shared/queue';
import { checkInvariants, type InvariantReport } from '../../../harness/invariants';
import { freePort, spawnTs, until, type Process } from '../../../harness/processes';
import { startPrivatePostgres, startPrivateRedis } from '../../../harness/services';
import { databaseUrl, templateDatabase, uniqueName } from '../../support/databases';
import { expectInvariants } from '../../support/invariants';
import { assertClosed, ownedBy } from '../../support/leak-guard';
import { ADMIN_TOKEN } from '../../support/test-env';

const ROOT = path.resolve(__dirname, '../../..');
const PARTITIONS = 16;
export const LOCK_MS = 2_000;

export interface BurstPlan {
  claims: number;
  operators: number;
  departments: number;
  tasks: number;
  hotTasks: number;
  concurrency: number;
}

/** The faults fault-hooks.mjs injects into a process it is preloaded into. */
export interface Faults {
  /** the process SIGKILLs itself once the transaction storing its Nth claim commits, before the claims are enqueued */
  killApiAfterStoredClaims?: number;
  /** each claim transaction is held this long once it holds its locks */
  claimTxDelayMs?: number;
}

/** The environment that preloads fault-hooks.mjs into a process (and, through npm, into the node it execs). */
export function faultEnv(faults: Faults): NodeJS.ProcessEnv {
  return {
    NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import ${pathToFileURL(path.join(__dirname, 'fault-hooks.mjs')).href}`].filter(Boolean).join(' '),
    ...(faults.killApiAfterStoredClaims === undefined ? {} : { FAULT_KILL_API_AFTER_STORED_CLAIMS: String(faults.killApiAfterStoredClaims) }),
    ...(faults.claimTxDelayMs === undefined ? {} : { FAULT_CLAIM_TX_DELAY_MS: String(faults.claimTxDelayMs) }),
  };
}

const DEFAULT_BURST: BurstPlan = { claims: 2_000, operators: 200, departments: 10, tasks: 300, hotTasks: 10, concurrency: 48 };

/** One HTTP exchange: when it started (epoch ms), how long until it was answered (or failed), and how. */
export interface Answer {
  startedAt: number;
  ms: number;
  status: number | 'network error';
  retryAfter: string | null;
}

export interface Burst {
  accepted: number[];
  statuses: Map<string, number>;
  /** every attempt of every claim, retries included */
  answers: Answer[];
  done: Promise<void>;
  /** resolves once `count` claims were accepted */
  reached(count: number): Promise<void>;
}

/**
 * The fault tests' world: a database (or a whole PostgreSQL cluster) and a Redis of their own, the API
 * and the claim workers as separate OS processes, data set up through the admin API, a burst fired
 * over HTTP, and the SPEC §6 invariants read back from the database.
 */
export async function startWorld(options: { privatePostgres?: boolean; workers?: number } = {}) {
  const redis = await startPrivateRedis();
  const postgres = options.privatePostgres ? await startPrivatePostgres() : undefined;
  const url = postgres?.url ?? databaseUrl(uniqueName('taskclaim_faults'));
  await ensureDatabase(url, postgres ? undefined : templateDatabase());
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url,
    REDIS_URL: redis.url,
    PORT: String(port),
    ADMIN_TOKEN,
    CLAIM_PARTITIONS: String(PARTITIONS),
    CLAIM_LOCK_MS: String(LOCK_MS),
    RECONCILE_AFTER_MS: '3000',
    RECONCILE_INTERVAL_MS: '1000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    // the admin token stands in for every client of the burst
    MAX_CONCURRENT_PER_TOKEN: '10000',
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const processes: Process[] = [];
  let db: Db | undefined;
  /** what the world opens is its own (leak-guard.ts): close() fails if any of it is still open */
  const owner = { world: url };

  const world = {
    url,
    baseUrl,
    redis,
    postgres,
    env,
    api: undefined as Process | undefined,
    workers: [] as Process[],
    operators: [] as { id: number; departmentId: number }[],
    tasks: [] as { id: number; departmentId: number }[],
    hotTasks: [] as number[],

    async startApi(extraEnv: NodeJS.ProcessEnv = {}): Promise<Process> {
      const api = spawnTs(path.join(ROOT, 'services/api/src/main.ts'), { ...env, ...extraEnv });
      processes.push(api);
      world.api = api;
      await until(async () => {
        if (api.child.exitCode !== null) throw new Error(`api exited:\n${api.output()}`);
        return fetch(`${baseUrl}/readyz`).then((r) => r.ok, () => false);
      }, 'the API');
      return api;
    },

    async startWorker(extraEnv: NodeJS.ProcessEnv = {}): Promise<Process> {
      const worker = spawnTs(path.join(ROOT, 'services/claim-worker/src/main.ts'), { ...env, ...extraEnv });
      processes.push(worker);
      world.workers.push(worker);
      await until(() => {
        if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
        return worker.output().includes('claim workers started');
      }, 'a claim worker');
      return worker;
    },

    db(): Db {
      db ??= ownedBy(owner, () => makeDb(url, { max: 4 }));
      return db;
    },

    async admin(method: string, urlPath: string, body: unknown): Promise<void> {
      const response = await fetch(baseUrl + urlPath, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${urlPath}: ${response.status} ${await response.text()}`);
    },

    /** departments, operators in one department each, tasks spread over departments; the first few tasks are hot */
    async seed(plan: BurstPlan = DEFAULT_BURST): Promise<void> {
      for (let d = 1; d <= plan.departments; d++) await world.admin('PUT', `/api/admin/departments/${d}`, { name: `Line ${d}` });
      for (let o = 1; o <= plan.operators; o++) {
        const departmentId = ((o - 1) % plan.departments) + 1;
        await world.admin('PUT', `/api/admin/operators/${o}`, { username: `op${o}`, department_ids: [departmentId] });
        world.operators.push({ id: o, departmentId });
      }
      const tasks = Array.from({ length: plan.tasks }, (_, i) => ({
        id: i + 1,
        work_order: { id: Math.floor(i / 10) + 1, order_number: `WO-${Math.floor(i / 10) + 1}` },
        work_content: `step ${i + 1}`,
        status: 'pending',
        assigned_department_id: (i % plan.departments) + 1,
      }));
      await world.admin('PUT', '/api/admin/tasks', tasks);
      world.tasks = tasks.map((task) => ({ id: task.id, departmentId: task.assigned_department_id }));
      world.hotTasks = world.tasks.slice(0, plan.hotTasks).map((task) => task.id);
    },

    /** fires `plan.claims` claims (a tenth on the hot tasks) with `plan.concurrency` requests in flight */
    burst(plan: BurstPlan = DEFAULT_BURST): Burst {
      let seed = 42;
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const jobs = Array.from({ length: plan.claims }, (_, i) => {
        const task = i % 10 === 0 ? world.tasks[random(plan.hotTasks)] : world.tasks[random(world.tasks.length)];
        const colleagues = world.operators.filter((operator) => operator.departmentId === task.departmentId);
        const operator = random(10) === 0 ? world.operators[random(world.operators.length)] : colleagues[random(colleagues.length)];
        return { taskId: task.id, operatorId: operator.id };
      });
      const accepted: number[] = [];
      const statuses = new Map<string, number>();
      const answers: Answer[] = [];
      const watchers: { count: number; resolve: () => void }[] = [];
      // Like a real client: one Idempotency-Key per claim, retried on network errors and 503 for up to a minute.
      const submit = async (job: { taskId: number; operatorId: number }, key: string): Promise<string> => {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const startedAt = Date.now();
          try {
            const response = await fetch(`${baseUrl}/api/workorder-tasks/${job.taskId}/claim/`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${ADMIN_TOKEN}`,
                'content-type': 'application/json',
                prefer: 'respond-async',
                'idempotency-key': key,
              },
              body: JSON.stringify({ operator_id: job.operatorId }),
            });
            const body = (await response.json()) as { claim_id?: number };
            answers.push({ startedAt, ms: Date.now() - startedAt, status: response.status, retryAfter: response.headers.get('retry-after') });
            if (response.status === 202 && body.claim_id) accepted.push(body.claim_id);
            if (response.status !== 503 || Date.now() > deadline) return String(response.status);
            statuses.set('503 (retried)', (statuses.get('503 (retried)') ?? 0) + 1);
          } catch {
            answers.push({ startedAt, ms: Date.now() - startedAt, status: 'network error', retryAfter: null });
            if (Date.now() > deadline) return 'network error';
            statuses.set('network error (retried)', (statuses.get('network error (retried)') ?? 0) + 1);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      let next = 0;
      const runner = async () => {
        while (next < jobs.length) {
          const index = next++;
          const status = await submit(jobs[index], `burst-${index}`);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          for (const watcher of watchers) if (accepted.length >= watcher.count) watcher.resolve();
        }
      };
      const done = Promise.all(Array.from({ length: plan.concurrency }, runner)).then(() => undefined);
      return {
        accepted,
        statuses,
        answers,
        done,
        reached: (count) => new Promise<void>((resolve) => (accepted.length >= count ? resolve() : watchers.push({ count, resolve }))),
      };
    },

    /** every stored claim decided (not only the accepted ones: a claim stored by a dying API counts too) */
    async allTerminal(timeoutMs = 90_000): Promise<number> {
      const started = Date.now();
      await until(
        async () => Number((await world.db()('claim_requests').where('status', 'queued').count({ n: '*' }))[0].n) === 0,
        'every claim to be decided',
        timeoutMs,
      );
      return Date.now() - started;
    },

    async invariants(firstComeFirstServed = false): Promise<InvariantReport[]> {
      return checkInvariants(world.db(), { defaultLimit: 10, firstComeFirstServed });
    },

    /** the longest time any claim spent from acceptance to decision */
    async maxDecisionSeconds(): Promise<number> {
      const [{ seconds }] = (
        await world.db().raw(`SELECT coalesce(max(extract(epoch FROM completed_at - submitted_at)), 0)::float AS seconds FROM claim_requests`)
      ).rows;
      return seconds;
    },

    /** for each partition, how long after `since` it decided its next claim: the stall a killed worker causes */
    async partitionResumeSeconds(since: Date): Promise<number> {
      const rows: { task_id: number; completed_at: Date }[] = await world
        .db()('claim_requests')
        .where('completed_at', '>', since)
        .andWhere('submitted_at', '<', since)
        .select('task_id', 'completed_at');
      const firstByPartition = new Map<number, number>();
      for (const row of rows) {
        const partition = partitionOf(row.task_id, PARTITIONS);
        const at = row.completed_at.getTime();
        firstByPartition.set(partition, Math.min(firstByPartition.get(partition) ?? Infinity, at));
      }
      return Math.max(0, ...[...firstByPartition.values()].map((at) => (at - since.getTime()) / 1000));
    },

    async redisKeys(pattern: string): Promise<string[]> {
      const client = makeRedis(redis.url, 'blocking');
      try {
        return await client.keys(pattern);
      } finally {
        client.disconnect();
      }
    },

    async deleteRedisKeys(keys: string[]): Promise<void> {
      if (keys.length === 0) return;
      const client = makeRedis(redis.url, 'blocking');
      try {
        await client.del(...keys);
      } finally {
        client.disconnect();
      }
    },

    async close(): Promise<void> {
      for (const proc of processes) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await Promise.all(processes.map((proc) => proc.exited));
      await db?.destroy();
      await redis.stop();
      if (postgres) postgres.stop();
      else await dropDatabase(url);
      await assertClosed(owner, 'world.close()');
    },
  };
  return world;
}

export type World = Awaited<ReturnType<typeof startWorld>>;

/** The usual stage: a world with the API, two claim workers and the seeded floor, ready for a burst. */
export async function startSeededWorld(options: { privatePostgres?: boolean } = {}): Promise<World> {
  const world = await startWorld(options);
  await world.startApi();
  await world.startWorker();
  await world.startWorker();
  await world.seed();
  return world;
}

export { expectInvariants };
