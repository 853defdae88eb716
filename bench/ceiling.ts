import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyClaim, claimsRepo, dropDatabase, ensureDatabase, makeDb, partitionOf } from '@taskclaim/shared';
import { connectionHeadroom, CpuTracker, databaseStats, machineBusySeconds, postgresPids, statsDelta, sumOf } from './meter';
import { outcomeCounts, type PreparedScenario } from './run';
import type { Plan, ScenarioName } from './scenarios';
import { SHORT, waitForNoBackends, waitForQuietMachine, type BenchWorld } from './world';

export interface CapturedStatement {
  sql: string;
  bindings: unknown[];
}

/** A claim's statements, as knex sent them: the accepting INSERT, then the deciding transaction. */
export interface CapturedClaim {
  claimId: number;
  statements: CapturedStatement[];
}

interface CaptureIds {
  task: number;
  partition: number;
  departmentId: number;
  workOrderId: number;
  winner: number;
  loser: number;
  tokenId: number;
}

const CAPTURE_CLAIM_IDS_FROM = 900_000;
const CAPTURE_KEYS = ['bench-capture-1', 'bench-capture-2'] as const;

/**
 * Runs two claims on one task through the service's own `insertClaim` and `applyClaim` (the first
 * wins, the second is rejected `already_claimed`) with knex's query log on, so the pgbench ceiling
 * replays exactly the statements the service sends. Run it on a throwaway copy of the seeded database.
 */
export async function captureClaimStatements(
  databaseUrl: string,
  plan: Plan,
  settings: { defaultMaxActiveTasks: number; partitions: number },
): Promise<{ ids: CaptureIds; won: CapturedClaim; lost: CapturedClaim }> {
  const { defaultMaxActiveTasks, partitions } = settings;
  const db = makeDb(databaseUrl, { max: 1 });
  try {
    const tokenId = Number((await db('api_tokens').where({ kind: 'operator' }).orderBy('id', 'desc').first('id')).id);
    const ids = chooseCaptureIds(plan, tokenId, partitions);
    await db.raw(`SELECT setval('claim_requests_id_seq', ?)`, [CAPTURE_CLAIM_IDS_FROM]);
    const capture = async (operatorId: number, key: string): Promise<CapturedClaim> => {
      const statements: CapturedStatement[] = [];
      const listener = (query: { sql: string; bindings?: unknown[] }) => statements.push({ sql: query.sql, bindings: query.bindings ?? [] });
      db.on('query', listener);
      try {
        const claim = await claimsRepo.insertClaim(db, {
          task_id: ids.task,
          operator_id: operatorId,
          token_id: ids.tokenId,
          notes: '',
          callback_url: null,
          request_id: '00000000-0000-4000-8000-000000000000',
          idempotency_key: key,
          request_fingerprint: 'f'.repeat(64),
          partition: ids.partition,
        });
        if (!claim) throw new Error('capture claim was not inserted');
        const result = await applyClaim({ db, defaultMaxActiveTasks }, claim.id);
        if (result.kind !== 'decided') throw new Error(`capture claim was not decided: ${result.kind}`);
        return { claimId: claim.id, statements };
      } finally {
        db.off('query', listener);
      }
    };
    const won = await capture(ids.winner, CAPTURE_KEYS[0]);
    const lost = await capture(ids.loser, CAPTURE_KEYS[1]);
    return { ids, won, lost };
  } finally {
    await db.destroy();
  }
}

/**
 * Numbers in the captured bindings become pgbench variables by value, so the ids chosen for the
 * capture must be distinct from each other and from every other number bound (limit 1, the token id, the partition).
 */
function chooseCaptureIds(plan: Plan, tokenId: number, partitions: number): CaptureIds {
  for (const task of [...plan.tasks].reverse()) {
    const colleagues = plan.operators.filter((operator) => operator.departmentId === task.departmentId).map((operator) => operator.id);
    if (colleagues.length < 2) continue;
    const [winner, loser] = colleagues.slice(-2).reverse();
    const partition = partitionOf(task.id, partitions);
    const values = [task.id, task.departmentId, task.workOrderId, winner, loser, tokenId, partition, CAPTURE_CLAIM_IDS_FROM + 1, CAPTURE_CLAIM_IDS_FROM + 2];
    if (new Set(values).size === values.length && values.every((value) => value > 1)) {
      return { task: task.id, partition, departmentId: task.departmentId, workOrderId: task.workOrderId, winner, loser, tokenId };
    }
  }
  throw new Error('no task of the plan gives unambiguous capture ids');
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** What the captured values stand for: ids become pgbench variables, the Idempotency-Key a fresh one per claim. */
interface Substitutions {
  numbers: Map<number, string>;
  /** string value → SQL text expression (without quotes around it) */
  strings: Map<string, { prefix: string; variable: string }>;
}

/**
 * JSON text, with the values that stand for a variable spliced in: ('[{ "id": ' || :c_id || ', …}]').
 * A space follows every colon: pgbench takes any `:name` of a statement, even inside a literal, for a variable.
 */
function renderJson(value: unknown, substitutions: Substitutions): string {
  const marked = JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item === 'number' && substitutions.numbers.has(item)) return `\u0001${substitutions.numbers.get(item)}\u0001`;
      if (typeof item === 'string' && substitutions.strings.has(item)) return `\u0002${item}\u0002`;
      return item;
    },
    1,
  );
  const text = marked.replace(/\s*\n\s*/g, ' ');
  // Split into literal JSON text and SQL expressions, then concatenate them in SQL.
  const parts: { sql: string; literal: boolean }[] = [];
  let rest = text;
  for (;;) {
    const match = /"\\u0001(:[A-Za-z_]+)\\u0001"|"\\u0002(.*?)\\u0002"/.exec(rest);
    if (!match) break;
    parts.push({ sql: rest.slice(0, match.index), literal: true });
    if (match[1]) parts.push({ sql: match[1], literal: false });
    else {
      const { prefix, variable } = substitutions.strings.get(match[2]) as { prefix: string; variable: string };
      parts.push({ sql: `"${prefix}`, literal: true }, { sql: variable, literal: false }, { sql: '"', literal: true });
    }
    rest = rest.slice(match.index + match[0].length);
  }
  parts.push({ sql: rest, literal: true });
  const merged: { sql: string; literal: boolean }[] = [];
  for (const part of parts) {
    const previous = merged.at(-1);
    if (previous?.literal && part.literal) previous.sql += part.sql;
    else merged.push({ ...part });
  }
  const sql = merged.filter((part) => !part.literal || part.sql).map((part) => (part.literal ? quote(part.sql) : part.sql));
  return sql.length === 1 ? sql[0] : `(${sql.join(' || ')})`;
}

function renderValue(value: unknown, substitutions: Substitutions): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return substitutions.numbers.get(value) ?? String(value);
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return quote(value.toISOString());
  if (Array.isArray(value)) return value.length ? `ARRAY[${value.map((item) => renderValue(item, substitutions)).join(', ')}]` : `'{}'`;
  if (typeof value === 'object') return renderJson(value, substitutions);
  const text = String(value);
  const substitute = substitutions.strings.get(text);
  if (substitute) return `(${quote(substitute.prefix)} || ${substitute.variable})`;
  if (/^[[{]/.test(text)) {
    try {
      return renderJson(JSON.parse(text), substitutions);
    } catch {
      // not JSON: a plain string
    }
  }
  return quote(text);
}

/** `$n` → the variable the value stands for, or the literal; one line (pgbench ends a command at `;` or a meta-command). */
function render(statement: CapturedStatement, substitutions: Substitutions): string {
  const sql = withoutComments(statement.sql).replace(/\$(\d+)/g, (_, n: string) => renderValue(statement.bindings[Number(n) - 1], substitutions));
  return sql.replace(/\s+/g, ' ').trim();
}

/** SQL without its comments (outside string literals and quoted names): on one line, a `--` would swallow the rest. */
export function withoutComments(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i];
    if (char === "'" || char === '"') {
      const end = sql.indexOf(char, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = (end < 0 ? sql.length : end) - 1;
      out += ' ';
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = (end < 0 ? sql.length : end + 2) - 1;
      out += ' ';
    } else out += char;
  }
  return out;
}

const find = (statements: CapturedStatement[], pattern: RegExp, what: string): number => {
  const index = statements.findIndex((statement) => pattern.test(statement.sql));
  if (index < 0) throw new Error(`the captured claim has no ${what} statement:\n${statements.map((s) => s.sql).join('\n')}`);
  return index;
};

/**
 * The pgbench script of one claim: the scenario's draw of task and operator, the service's INSERT
 * (with a fresh Idempotency-Key), and its deciding transaction statement for statement. pgbench has
 * no decideClaim, so the branch between the winning writes and the rejecting one is taken on two
 * values the transaction reads anyway: the task's assignee (one column added to the task lock's
 * select list: coalesce(assigned_operator_id, 0)) and the operator's active-task count against the limit.
 */
export function pgbenchScript(plan: Plan, capture: { ids: CaptureIds; won: CapturedClaim; lost: CapturedClaim }): string {
  const { ids, won, lost } = capture;
  const substitutions = (claimId: number): Substitutions => ({
    numbers: new Map<number, string>([
      [ids.task, ':task'],
      [ids.winner, ':op'],
      [ids.loser, ':op'],
      [ids.departmentId, ':t_assigned_department_id'],
      [ids.workOrderId, ':t_work_order_id'],
      [claimId, ':c_id'],
    ]),
    // The Idempotency-Key is unique per claim, like the benchmark's clients send.
    strings: new Map([[CAPTURE_KEYS[0], { prefix: 'bench-', variable: ':key' }]]),
  });
  const win = substitutions(won.claimId);
  const statements = won.statements;
  const insert = find(statements, /INSERT INTO claim_requests/i, 'accepting INSERT');
  const begin = find(statements, /^BEGIN;?$/i, 'BEGIN');
  const lockTask = find(statements, /from "work_order_tasks" as "t".*for (no key )?update/is, 'task lock');
  const count = find(statements, /count\(\*\)/i, 'active-task count');
  const commit = find(statements, /^COMMIT;?$/i, 'COMMIT');
  const rejectUpdate = lost.statements.find((statement) => /^\s*update\s+"?claim_requests"?/i.test(statement.sql));
  if (!rejectUpdate) throw new Error('the rejected capture claim has no update of claim_requests');
  if (!(insert < begin && begin < lockTask && lockTask < count && count < commit)) throw new Error('the captured claim has an unexpected shape');
  const insertLine = render(statements[insert], win);
  if (!insertLine.includes(':key')) throw new Error('the captured INSERT does not carry the Idempotency-Key where expected');
  const lines = [
    `-- One claim of the ${plan.scenario} scenario: generated by bench/ceiling.ts from the statements the service sent (knex query log).`,
    ...plan.pgbenchDraw,
    `\\set key random(1, 1000000000000000)`,
    `\\set limit ${plan.limit}`,
    `\\set count 0`,
    `${insertLine} \\gset c_`,
  ];
  for (let i = begin; i < commit; i++) {
    const line = render(statements[i], win);
    if (i === lockTask) lines.push(`${line.replace(/^select /i, 'select coalesce("t"."assigned_operator_id", 0) as "tc_assignee", ')} \\gset t_`);
    else if (i === count) lines.push(`${line} \\aset`, `\\if :t_tc_assignee = 0 and :count < :limit`);
    else lines.push(i === begin ? 'BEGIN;' : `${line};`);
  }
  lines.push('\\else', `${render(rejectUpdate, substitutions(lost.claimId))};`, '\\endif', 'COMMIT;');
  const script = `${lines.join('\n')}\n`;
  const unknown = [...script.matchAll(/(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g)]
    .map((match) => match[1])
    .filter((name) => !['task', 'op', 'key', 'limit', 'count', 'hot', 'c_id', 't_tc_assignee', 't_assigned_department_id', 't_work_order_id'].includes(name));
  if (unknown.length) throw new Error(`the pgbench script refers to unknown variables: ${unknown.join(', ')}`);
  return script;
}

export interface PgbenchResult {
  clients: number;
  transactions: number;
  failed: number;
  tps: number;
  latencyAverageMs: number;
  seconds: number;
  /** `-r`: average latency of each statement of the script, ms */
  statementLatencies: { ms: number; statement: string }[];
  output: string;
}

function pgbenchBinary(): string {
  return process.env.PGBENCH ?? 'pgbench';
}

/** Runs the script with `clients` connections (2 threads, extended protocol like node-pg) until `claims` transactions are done. */
export async function runPgbench(options: {
  databaseUrl: string;
  scriptFile: string;
  script: string;
  clients: number;
  claims: number;
  onStart?: (pid: number) => void;
}): Promise<PgbenchResult> {
  writeFileSync(options.scriptFile, options.script);
  const url = new URL(options.databaseUrl);
  const perClient = Math.max(1, Math.ceil(options.claims / options.clients));
  const args = [
    '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'),
    '-n', '-M', 'extended', '-r', '-c', String(options.clients), '-j', '2', '-t', String(perClient),
    '-f', options.scriptFile, decodeURIComponent(url.pathname.slice(1)),
  ];
  const started = Date.now();
  const output = await new Promise<string>((resolve, reject) => {
    const child = execFile(pgbenchBinary(), args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`pgbench failed: ${error.message}\n${stderr.slice(-3000)}\n${stdout.slice(-3000)}`));
      else resolve(`${stdout}\n${stderr}`);
    });
    if (child.pid) options.onStart?.(child.pid);
  });
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN);
  const statementLatencies: { ms: number; statement: string }[] = [];
  const perStatement = output.split('statement latencies in milliseconds')[1] ?? '';
  for (const line of perStatement.split('\n')) {
    const match = /^\s+([\d.]+)\s+\d+\s+(.*)$/.exec(line) ?? /^\s+([\d.]+)\s+(.*)$/.exec(line);
    if (match) statementLatencies.push({ ms: Number(match[1]), statement: match[2].trim().slice(0, 160) });
  }
  return {
    clients: options.clients,
    transactions: number(/number of transactions actually processed: (\d+)/),
    failed: number(/number of failed transactions: (\d+)/) || 0,
    tps: number(/tps = ([\d.]+) \(without initial connection time\)/),
    latencyAverageMs: number(/latency average = ([\d.]+) ms/),
    seconds: (Date.now() - started) / 1000,
    statementLatencies,
    output: output.trim().split('\n').filter((line) => !/^\s+[\d.]+\s/.test(line)).join('\n'),
  };
}

export interface CeilingRun extends PgbenchResult {
  commitsPerClaim: number;
  cpuPer1000Claims: { postgres: number; pgbench: number; machine: number };
  outcomes: Record<string, number>;
}

export interface CeilingResult {
  scenario: ScenarioName;
  script: string;
  runs: CeilingRun[];
  best: { clients: number; tps: number };
}

/**
 * The database ceiling of a scenario: pgbench replaying one claim's statements at the same
 * concurrency, each run on its own copy of the scenario's seeded database.
 */
export async function runCeiling(world: BenchWorld, prepared: PreparedScenario): Promise<CeilingResult> {
  const { options } = world;
  const { plan } = prepared;
  const runDir = path.join(world.workDir, `${SHORT[plan.scenario]}-ceiling`);
  mkdirSync(runDir, { recursive: true });
  const captureName = `${prepared.seedDatabase}_capture`;
  await ensureDatabase(world.databaseUrl(captureName), prepared.seedDatabase);
  let capture;
  try {
    capture = await captureClaimStatements(world.databaseUrl(captureName), plan, { defaultMaxActiveTasks: world.maxActiveTasks, partitions: options.partitions });
  } finally {
    await dropDatabase(world.databaseUrl(captureName));
  }
  const script = pgbenchScript(plan, capture);
  writeFileSync(path.join(runDir, 'claim.sql'), script);

  const headroom = await connectionHeadroom(world.monitor);
  const sameConcurrency = Math.max(1, Math.min(options.inflight, headroom - 10));
  const clients = options.ceilingClients ?? (options.quick ? [sameConcurrency] : [...new Set([sameConcurrency, options.partitions])].sort((a, b) => a - b));
  const runs: CeilingRun[] = [];
  for (const count of clients) {
    const name = `${world.baseDatabase}_${SHORT[plan.scenario]}_pgbench${count}`;
    const url = world.databaseUrl(name);
    await ensureDatabase(url, prepared.seedDatabase);
    try {
      if (options.waitQuietMs > 0) await waitForQuietMachine(world, `${plan.scenario} / ceiling`);
      world.log(`${plan.scenario} / ceiling: pgbench, ${count} clients, ${plan.claims.length} claims`);
      const statsBefore = await databaseStats(world.monitor, name);
      const pgbenchPid: number[] = [];
      const tracker = new CpuTracker(() => [...postgresPids(), ...pgbenchPid]).start();
      const machineBefore = machineBusySeconds();
      const result = await runPgbench({ databaseUrl: url, scriptFile: path.join(runDir, `claim-${count}.sql`), script, clients: count, claims: plan.claims.length, onStart: (pid) => pgbenchPid.push(pid) });
      const seconds = tracker.stop();
      const machine = machineBusySeconds() - machineBefore;
      await waitForNoBackends(world, name);
      const delta = statsDelta(statsBefore, await databaseStats(world.monitor, name));
      const db = makeDb(url, { max: 1 });
      let outcomes: Record<string, number>;
      try {
        outcomes = await outcomeCounts(db);
      } finally {
        await db.destroy();
      }
      const per1000 = (value: number) => (value / result.transactions) * 1000;
      const pgbenchSeconds = sumOf(seconds, pgbenchPid);
      runs.push({
        ...result,
        commitsPerClaim: delta.xact_commit / result.transactions,
        cpuPer1000Claims: { postgres: per1000(sumOf(seconds) - pgbenchSeconds), pgbench: per1000(pgbenchSeconds), machine: per1000(machine) },
        outcomes,
      });
      world.log(`${plan.scenario} / ceiling: ${count} clients → ${result.tps.toFixed(0)} claims/s`);
    } finally {
      if (!options.keepDatabases) await dropDatabase(url);
    }
  }
  const best = runs.reduce((a, b) => (b.tps > a.tps ? b : a));
  return { scenario: plan.scenario, script, runs, best: { clients: best.clients, tps: best.tps } };
}
