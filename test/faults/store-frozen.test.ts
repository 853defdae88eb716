import { reportFigures } from './support/report';
import { ADMIN_TOKEN } from '../support/test-env';
import { until } from '../../harness/processes';
import { expectInvariants, startSeededWorld, type Answer, type World } from './support/world';

/** SPEC §6: while a store stops answering, every request is answered within a few seconds. */
const ANSWER_WITHIN_MS = 5_000;
const FREEZE_MS = 15_000;

type ProbeKind = 'healthz' | 'readyz' | 'task' | 'claim' | 'submit' | 'dashboard';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/**
 * Every 200 ms, one request of each kind, none waiting for the others (a hung request must not stop
 * the probing): the process is up, readiness, two reads that need only PostgreSQL, a claim, and the
 * queue dashboard (which needs both).
 */
function startProbes(w: World, claimId: number) {
  const answers = new Map<ProbeKind, Answer[]>(['healthz', 'readyz', 'task', 'claim', 'submit', 'dashboard'].map((kind) => [kind as ProbeKind, []]));
  const inFlight = new Set<Promise<void>>();
  let round = 0;
  const probe = (kind: ProbeKind, path: string, init: RequestInit = {}) => {
    const startedAt = Date.now();
    const done = fetch(w.baseUrl + path, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers }, signal: AbortSignal.timeout(60_000) })
      .then(async (response) => {
        await response.arrayBuffer();
        return { status: response.status, retryAfter: response.headers.get('retry-after') };
      })
      .catch(() => ({ status: 'network error' as const, retryAfter: null }))
      .then((answer) => {
        answers.get(kind)!.push({ startedAt, ms: Date.now() - startedAt, ...answer });
        inFlight.delete(done);
      });
    inFlight.add(done);
  };
  const timer = setInterval(() => {
    const task = w.tasks[round % w.tasks.length];
    const operator = w.operators.find((candidate) => candidate.departmentId === task.departmentId)!;
    probe('healthz', '/healthz');
    probe('readyz', '/readyz');
    probe('task', `/api/workorder-tasks/${task.id}/`);
    probe('claim', `/api/claims/${claimId}`);
    probe('dashboard', '/admin/queues/api/queues');
    probe('submit', `/api/workorder-tasks/${task.id}/claim/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'respond-async', 'idempotency-key': `probe-${round}` },
      body: JSON.stringify({ operator_id: operator.id }),
    });
    round += 1;
  }, 200);
  return {
    answers,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

/** The answers of requests that were in flight at some moment of [from, to). */
const during = (answers: Answer[], from: number, to: number) => answers.filter((a) => a.startedAt < to && a.startedAt + a.ms >= from);

const countBy = (answers: Answer[]) => {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
};

/** Fails naming how many answers broke the rule, with the first few. */
const expectNone = (rule: string, answers: Answer[]) => {
  if (answers.length) throw new Error(`${answers.length} answers ${rule}, e.g. ${JSON.stringify(answers.slice(0, 3))}`);
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
};

/**
 * A store frozen with SIGSTOP for FREEZE_MS mid-burst (its connections stay open and nothing answers,
 * like a hung host or a half-open connection), then SIGCONT: answer times during the freeze, then
 * every claim decided and every SPEC §6 invariant after it.
 */
async function freezeMidBurst(store: 'postgres' | 'redis') {
  world = await startSeededWorld({ privatePostgres: store === 'postgres' });
  const target = store === 'postgres' ? world.postgres! : world.redis;
  const burst = world.burst();
  await burst.reached(700);
  const probes = startProbes(world, burst.accepted[0]);
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  const frozenAt = Date.now();
  target.freeze();
  await new Promise((resolve) => setTimeout(resolve, FREEZE_MS));
  target.thaw();
  const thawedAt = Date.now();
  await until(() => fetch(`${world!.baseUrl}/readyz`).then((r) => r.ok, () => false), 'ready again after the freeze', 30_000);
  const readyAgainSeconds = (Date.now() - thawedAt) / 1000;
  await probes.stop();
  await burst.done;
  await world.allTerminal();
  const settledAfterThawSeconds = (Date.now() - thawedAt) / 1000;

  const probeAnswers = [...probes.answers.values()].flat();
  const frozen = during([...burst.answers, ...probeAnswers], frozenAt, thawedAt);
  const frozenProbe = (kind: ProbeKind) => during(probes.answers.get(kind)!, frozenAt, thawedAt);
  const figures = {
    freezeSeconds: FREEZE_MS / 1000,
    answeredDuringFreeze: frozen.length,
    statusesDuringFreeze: countBy(frozen),
    maxAnswerMsDuringFreeze: Math.max(...frozen.map((a) => a.ms)),
    p99AnswerMsDuringFreeze: percentile(frozen.map((a) => a.ms), 99),
    maxAnswerMsByProbe: Object.fromEntries([...probes.answers.keys()].map((kind) => [kind, Math.max(0, ...frozenProbe(kind).map((a) => a.ms))])),
    statusesByProbe: Object.fromEntries([...probes.answers.keys()].map((kind) => [kind, countBy(frozenProbe(kind))])),
    readyAgainSeconds,
    accepted: burst.accepted.length,
    allDecidedAfterThawSeconds: settledAfterThawSeconds,
    maxAcceptToDecisionSeconds: await world.maxDecisionSeconds(),
  };
  reportFigures(`${store}-frozen`, figures);

  // Nobody waited for the outage to end, and nobody got a 500.
  expectNone(`took ${ANSWER_WITHIN_MS} ms or more during the freeze`, frozen.filter((a) => a.ms >= ANSWER_WITHIN_MS));
  expectNone('were a 500 or a network error', [...burst.answers, ...probeAnswers].filter((a) => a.status === 500 || a.status === 'network error'));
  // A refusal is a 503 that says when to come back.
  expectNone('were a 503 without Retry-After', frozen.filter((a) => a.status === 503 && !a.retryAfter));
  expectNone('of /healthz were not 200', frozenProbe('healthz').filter((a) => a.status !== 200));
  // Everything accepted is decided after it, and every SPEC §6 invariant holds.
  expectInvariants(await world.invariants());
  const failed = await world.db()('claim_requests').where({ status: 'failed' }).count({ n: '*' });
  expect(Number(failed[0].n)).toBe(0);
  /** answered while the store was still frozen, once the freeze was under way (a token is trusted for 500 ms) */
  const refusable = (kind: ProbeKind) => frozenProbe(kind).filter((a) => a.startedAt >= frozenAt + 1_000 && a.startedAt + a.ms < thawedAt);
  return { frozenProbe, refusable };
}

test('PostgreSQL frozen 15 s mid-burst: every request answered within 5 s (503 + Retry-After where it needs PostgreSQL), everything decided after', async () => {
  const { refusable } = await freezeMidBurst('postgres');
  // every /api request needs PostgreSQL (the token is checked there): while it is frozen, all are refused
  for (const kind of ['readyz', 'task', 'claim', 'submit', 'dashboard'] as const) {
    expectNone(`of ${kind} were not 503 while frozen`, refusable(kind).filter((a) => a.status !== 503));
  }
});

test('Redis frozen 15 s mid-burst: requests that need only PostgreSQL still succeed, none waits for Redis, everything decided after', async () => {
  const { frozenProbe, refusable } = await freezeMidBurst('redis');
  for (const kind of ['readyz', 'dashboard'] as const) {
    expectNone(`of ${kind} were not 503 while frozen`, refusable(kind).filter((a) => a.status !== 503));
  }
  expectNone('of a task read were not 200', frozenProbe('task').filter((a) => a.status !== 200));
  expectNone('of a claim read were not 200', frozenProbe('claim').filter((a) => a.status !== 200));
  // a claim is stored in PostgreSQL and accepted; its partition is woken once Redis answers (the reconciler)
  expectNone('of a claim submission were not 202', frozenProbe('submit').filter((a) => a.status !== 202));
});
