import type { BenchOptions } from './options';
import { profileMarkdown } from './profile';
import type { CeilingResult } from './ceiling';
import type { RunResult } from './run';
import type { Percentiles } from './stats';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  redis: string;
  os: string;
  loadAverageAtStart: number[];
  git: { commit: string; dirtyFiles: string[] };
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: MachineInfo;
  options: BenchOptions;
  runs: RunResult[];
  ceilings: CeilingResult[];
  invariantsPass: boolean;
  /** parts that could not run (a failed ceiling): the bench exits 1 */
  errors: string[];
  method: string[];
}

const fixed = (value: number | undefined, digits = 0) => (value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits));
const ms = (value: number) => (!Number.isFinite(value) ? '—' : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const quartet = (p: Percentiles) => (p.count ? `${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.p99)} / ${ms(p.max)}` : '—');
const mib = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : '—');
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || '—';

/** `queue`, or in a scaling run `queue 2A×4W` (API × worker processes) */
export const runLabel = (run: RunResult, options: BenchOptions): string =>
  options.scale && run.mode === 'queue' ? `${run.mode} ${run.processes.api}A×${run.processes.workers}W` : run.mode;

export function markdownReport(report: BenchReport): string {
  const { machine, options } = report;
  const out: string[] = [];
  out.push(`Run ${report.startedAt} → ${report.finishedAt} · \`${report.command}\``);
  out.push('');
  out.push(
    `Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}; ${machine.postgres}; Redis ${machine.redis.trim()}; ` +
      `load average at start ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}. ` +
      `Code: ${machine.git.commit}${machine.git.dirtyFiles.length ? ` + ${machine.git.dirtyFiles.length} uncommitted file(s)` : ''}.`,
  );
  out.push('');
  out.push(
    `Processes: ${options.scale ? `queue mode once per configuration of API × worker processes (A×W), inline ${options.api} API` : `${options.api} API, ${options.workers} claim workers (queue mode; inline runs the API only)`}, CLAIM_PARTITIONS ${options.partitions}, ` +
      `${options.inflight} requests in flight (keep-alive), LOG_LEVEL ${options.logLevel}, clients send ${options.idempotencyKeys ? 'an Idempotency-Key and ' : ''}\`Prefer: respond-async\` with operator tokens.`,
  );
  out.push('');

  out.push('**Throughput and latency** (ms: p50 / p95 / p99 / max)');
  out.push('');
  out.push('| scenario | mode | claims | claims/s | × inline | × ceiling | accept | accept→terminal | invariants |');
  out.push('|---|---|---:|---:|---:|---:|---|---|---|');
  for (const run of report.runs) {
    const inline = report.runs.find((r) => r.scenario === run.scenario && r.mode === 'inline');
    const ceiling = report.ceilings.find((c) => c.scenario === run.scenario);
    const invariants = `${run.invariants.filter((i) => i.ok).length}/${run.invariants.length} ${run.invariantsPass ? 'PASS' : '**FAIL**'}`;
    out.push(
      `| ${run.scenario} | ${runLabel(run, options)} | ${run.claims} | ${fixed(run.claimsPerSecond)} | ${inline ? fixed(run.claimsPerSecond / inline.claimsPerSecond, 2) : '—'} | ` +
        `${ceiling ? fixed(run.claimsPerSecond / ceiling.best.tps, 2) : '—'} | ${quartet(run.acceptMs)} | ${quartet(run.acceptToTerminalMs)}${run.scenario === 'waiting-room' ? ' ¹' : ''} | ${invariants} |`,
    );
  }
  for (const ceiling of report.ceilings) {
    for (const run of ceiling.runs) {
      out.push(
        `| ${ceiling.scenario} | pgbench ceiling, ${run.clients} clients${run.clients === ceiling.best.clients ? ' (best)' : ''} | ${run.transactions} | ${fixed(run.tps)} | | 1.00 | avg ${ms(run.latencyAverageMs)} | | ${run.failed} failed |`,
      );
    }
  }
  out.push('');
  if (report.runs.some((run) => run.scenario === 'waiting-room')) {
    out.push('¹ waiting room: accept is the POST with the queues paused; accept→terminal is the wake latency (decision published → long-poll answered); claims/s from resuming the queues.');
    out.push('');
  }

  if (options.scale) out.push(...scalingTable(report));

  out.push('**Outcomes and HTTP statuses**');
  out.push('');
  out.push('| scenario | mode | outcomes by code | HTTP statuses | retried | decision events missed |');
  out.push('|---|---|---|---|---|---:|');
  for (const run of report.runs) {
    out.push(`| ${run.scenario} | ${runLabel(run, options)} | ${counts(run.outcomes)} | ${counts(run.http)} | ${counts(run.retried)} | ${run.decidedEventsMissed} |`);
  }
  for (const ceiling of report.ceilings) {
    const best = ceiling.runs.find((run) => run.clients === ceiling.best.clients);
    if (best) out.push(`| ${ceiling.scenario} | pgbench ceiling, ${best.clients} clients | ${counts(best.outcomes)} | — | — | — |`);
  }
  out.push('');

  out.push('**Cost per claim** (CPU seconds per 1,000 claims; ELU = event-loop utilisation of the API / worker processes)');
  out.push('');
  out.push(
    '| scenario | mode | DB commits | statements (API + worker) | BEGIN/COMMIT | Redis commands | CPU API | CPU workers | CPU PostgreSQL | CPU Redis | CPU load generator | CPU other processes | CPU machine | ELU API / worker | Redis used_memory after / peak |',
  );
  out.push('|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const run of report.runs) {
    const c = run.cpuPer1000Claims;
    const other = run.cpuSeconds.postgresOtherDatabases > 0.05 ? ` (${fixed((run.cpuSeconds.postgresOtherDatabases / run.claims) * 1000, 2)} other DBs)` : '';
    out.push(
      `| ${run.scenario} | ${runLabel(run, options)} | ${fixed(run.db.commitsPerClaim, 2)} | ${fixed(run.statements.perClaim.total, 1)} (${fixed(run.statements.perClaim.api, 1)} + ${fixed(run.statements.perClaim.worker, 1)}) | ` +
        `${fixed(run.statements.transactionControlPerClaim, 2)} | ${fixed(run.redis.commandsPerClaim, 1)} | ${fixed(c.api, 2)} | ${fixed(c.workers, 2)} | ${fixed(c.postgres, 2)}${other} | ${fixed(c.redis, 2)} | ` +
        `${fixed(c.bench, 2)} | ${fixed(c.others, 2)} | ${fixed(c.machine, 2)} | ${fixed(run.eventLoopUtilization.api, 2)} / ${fixed(run.eventLoopUtilization.worker, 2)} | ${mib(run.redis.usedMemoryAfter)} / ${mib(run.redis.usedMemoryPeakDuringRun)} |`,
    );
  }
  for (const ceiling of report.ceilings) {
    for (const run of ceiling.runs) {
      out.push(
        `| ${ceiling.scenario} | pgbench, ${run.clients} clients | ${fixed(run.commitsPerClaim, 2)} | ${ceilingStatements(ceiling.script)} | 2 | — | — | — | ${fixed(run.cpuPer1000Claims.postgres, 2)} | — | ${fixed(run.cpuPer1000Claims.pgbench, 2)} (pgbench) | — | ${fixed(run.cpuPer1000Claims.machine, 2)} | — | — |`,
      );
    }
  }
  out.push('');

  out.push('**Redis commands per claim, by command** (the largest)');
  out.push('');
  out.push('| scenario | mode | commands |');
  out.push('|---|---|---|');
  for (const run of report.runs) {
    const top = Object.entries(run.redis.byCommandPerClaim)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([command, perClaim]) => `${command} ${perClaim.toFixed(2)}`)
      .join(', ');
    out.push(`| ${run.scenario} | ${runLabel(run, options)} | ${top || '—'} |`);
  }
  out.push('');

  const waiting = report.runs.filter((run) => run.waitingRoom);
  if (waiting.length) {
    out.push(
      `**Waiting room** (every waiter holds a \`GET /api/claims/{id}\` with \`Prefer: wait=30\` while the partition queues are paused; the hold window starts ${waiting[0].waitingRoom!.settleMs} ms after the API's last statement, so that pg_stat_database has published the reads that started the waits)`,
    );
    out.push('');
    out.push(
      '| waiters | held | API statements while holding | per waiter per second | worker statements (reconciler) | pg xact_commit while holding ² | tup_returned | API CPU while holding | Redis commands while holding | answered terminal | re-polls | wake p50 / p95 / p99 / max ms | all answered after resume |',
    );
    out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
    for (const run of waiting) {
      const w = run.waitingRoom!;
      out.push(
        `| ${w.waiters} | ${w.holdSeconds.toFixed(1)} s | ${w.apiStatementsWhileHolding} | ${w.apiStatementsPerWaiterPerSecond.toFixed(4)} | ${Object.values(w.workerStatementsWhileHolding ?? {}).reduce((a, b) => a + b, 0)} | ${w.xactCommitWhileHolding} | ${w.tupReturnedWhileHolding} | ` +
          `${w.apiCpuSecondsPerSecondWhileHolding.toFixed(3)} s/s | ${w.redisCommandsWhileHolding} | ${w.answeredTerminal} | ${w.repolls} | ${quartet(w.wakeMs)} | ${w.secondsToAnswerAllAfterResume.toFixed(1)} s |`,
      );
    }
    out.push('');
    out.push(
      '² every transaction of the run\'s database in the window: the workers\' reconciler rounds, and autovacuum/autoanalyze, whose transactions pg_stat_database counts too; the API\'s own statements are the probe\'s exact count.',
    );
    out.push('');
  }

  for (const error of report.errors) out.push(`**ERROR** ${error.split('\n')[0]}`, '');
  const failed = report.runs.flatMap((run) => run.invariants.filter((i) => !i.ok).map((i) => ({ run: `${run.scenario}/${runLabel(run, options)}`, ...i })));
  out.push(`**Invariants** (SPEC §6, \`checkInvariants\` with first come first served, plus no 500): ${failed.length ? 'FAIL' : 'every one PASS in every run'}.`);
  for (const failure of failed) out.push(`- FAIL ${failure.run}: ${failure.name} — ${JSON.stringify(failure.violations).slice(0, 500)}`);
  out.push('');

  out.push('**Where the statements come from** (per claim, the most frequent, by process)');
  out.push('');
  for (const run of report.runs.filter((r) => r.scenario !== 'waiting-room')) {
    out.push(`<details><summary>${run.scenario} / ${runLabel(run, options)}</summary>`);
    out.push('');
    out.push('| role | per claim | statement |');
    out.push('|---|---:|---|');
    for (const statement of run.statements.top.slice(0, 14)) out.push(`| ${statement.role} | ${statement.perClaim.toFixed(2)} | \`${statement.sql.replace(/\|/g, '\\|').slice(0, 150)}\` |`);
    out.push('');
    out.push('</details>');
    out.push('');
  }

  for (const run of report.runs.filter((r) => r.profiles)) {
    out.push(`**CPU profile, ${run.scenario} / ${runLabel(run, options)}** (node --cpu-prof, samples inside the burst window only; files in \`${run.profiles!.dir}\`)`);
    out.push('');
    if (run.profiles!.api) out.push(profileMarkdown('API process(es)', run.profiles!.api));
    if (run.profiles!.worker) out.push(profileMarkdown('claim-worker process(es)', run.profiles!.worker));
  }

  out.push('<details><summary>Method</summary>');
  out.push('');
  for (const line of report.method) out.push(`- ${line}`);
  out.push('');
  out.push('</details>');
  return out.join('\n');
}

/** claims/s per process configuration against the first, and where each configuration spends CPU */
function scalingTable(report: BenchReport): string[] {
  const out = [
    '**Scaling** (queue mode; × first = claims/s against the first configuration of the same scenario; CPU ms per claim; ELU = event-loop utilisation averaged over the processes of each kind, 1 = always busy; machine busy = share of all cores busy during the burst)',
    '',
    '| scenario | API × workers | claims/s | × first | accept→terminal p50 / p99 ms | CPU API | CPU workers | CPU PostgreSQL | CPU Redis | CPU machine | machine busy | ELU API / worker |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const run of report.runs.filter((r) => r.mode === 'queue' && r.scenario !== 'waiting-room')) {
    const first = report.runs.find((r) => r.mode === 'queue' && r.scenario === run.scenario) as RunResult;
    const c = run.cpuPer1000Claims;
    const busyCores = (run.cpuSeconds.machine / run.seconds / report.machine.nproc) * 100;
    out.push(
      `| ${run.scenario} | ${run.processes.api} × ${run.processes.workers} | ${fixed(run.claimsPerSecond)} | ${fixed(run.claimsPerSecond / first.claimsPerSecond, 2)} | ` +
        `${ms(run.acceptToTerminalMs.p50)} / ${ms(run.acceptToTerminalMs.p99)} | ${fixed(c.api, 2)} | ${fixed(c.workers, 2)} | ${fixed(c.postgres, 2)} | ${fixed(c.redis, 2)} | ${fixed(c.machine, 2)} | ` +
        `${fixed(busyCores)} % | ${fixed(run.eventLoopUtilization.api, 2)} / ${fixed(run.eventLoopUtilization.worker, 2)} |`,
    );
  }
  out.push('');
  return out;
}

function ceilingStatements(script: string): string {
  const counts = { common: 0, if: 0, else: 0 };
  let branch: keyof typeof counts = 'common';
  for (const line of script.split('\n')) {
    if (line.startsWith('\\if')) branch = 'if';
    else if (line.startsWith('\\else')) branch = 'else';
    else if (line.startsWith('\\endif')) branch = 'common';
    else if (line && !line.startsWith('\\') && !line.startsWith('--') && !/^(BEGIN|COMMIT);$/.test(line)) counts[branch] += 1;
  }
  return `${counts.common + counts.if} (win) / ${counts.common + counts.else} (reject)`;
}

/** Percentile curves (accept→terminal) of queue vs inline, one panel per scenario; x on a "nines" scale. */
export function latencySvg(report: BenchReport): string {
  const scenarios = [...new Set(report.runs.filter((run) => run.scenario !== 'waiting-room').map((run) => run.scenario))];
  const width = 1040;
  const panelHeight = 280;
  const margin = { left: 70, right: 210, top: 40, bottom: 46 };
  const height = Math.max(1, scenarios.length) * (panelHeight + margin.top + margin.bottom) + 40;
  const colors: Record<string, string> = { queue: '#1f77b4', inline: '#d62728' };
  const nines = (p: number) => (p >= 100 ? 3.4 : -Math.log10(1 - p / 100));
  const xMax = 3.4;
  const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Accept→terminal latency percentiles, queue vs inline (${esc(report.startedAt)})</text>`,
  ];
  scenarios.forEach((scenario, index) => {
    const top = 40 + index * (panelHeight + margin.top + margin.bottom) + margin.top;
    const left = margin.left;
    const plotWidth = width - margin.left - margin.right;
    const runs = report.runs.filter((run) => run.scenario === scenario && run.acceptToTerminalCurve.length);
    const values = runs.flatMap((run) => run.acceptToTerminalCurve.map((point) => Math.max(point.ms, 0.1)));
    const low = Math.floor(Math.log10(Math.min(...values)));
    const high = Math.ceil(Math.log10(Math.max(...values, 10)));
    const x = (p: number) => left + (nines(p) / xMax) * plotWidth;
    const y = (value: number) => top + panelHeight - ((Math.log10(Math.max(value, 0.1)) - low) / Math.max(1, high - low)) * panelHeight;
    parts.push(`<text x="${left}" y="${top - 10}" font-size="13" font-weight="bold">${esc(scenario)}</text>`);
    parts.push(`<rect x="${left}" y="${top}" width="${plotWidth}" height="${panelHeight}" fill="none" stroke="#999"/>`);
    for (let power = low; power <= high; power++) {
      const value = 10 ** power;
      parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(value)}" y2="${y(value)}" stroke="#eee"/>`);
      parts.push(`<text x="${left - 6}" y="${y(value) + 4}" text-anchor="end">${value >= 1 ? value : value.toFixed(1)} ms</text>`);
    }
    for (const [p, label] of [[0, 'p0'], [50, 'p50'], [90, 'p90'], [99, 'p99'], [99.9, 'p99.9'], [100, 'max']] as const) {
      parts.push(`<line x1="${x(p)}" x2="${x(p)}" y1="${top}" y2="${top + panelHeight}" stroke="#eee"/>`);
      parts.push(`<text x="${x(p)}" y="${top + panelHeight + 16}" text-anchor="middle">${label}</text>`);
    }
    parts.push(`<text x="${left + plotWidth / 2}" y="${top + panelHeight + 34}" text-anchor="middle" fill="#555">percentile of claims (scale: nines)</text>`);
    runs.forEach((run, i) => {
      const points = run.acceptToTerminalCurve.map((point) => `${x(point.p).toFixed(1)},${y(point.ms).toFixed(1)}`).join(' ');
      const color = colors[run.mode] ?? '#333';
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`);
      const legendY = top + 20 + i * 36;
      parts.push(`<line x1="${left + plotWidth + 12}" x2="${left + plotWidth + 34}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="3"/>`);
      parts.push(`<text x="${left + plotWidth + 40}" y="${legendY + 4}">${esc(run.mode)}</text>`);
      parts.push(`<text x="${left + plotWidth + 40}" y="${legendY + 18}" fill="#555">${run.claimsPerSecond.toFixed(0)} claims/s, p99 ${ms(run.acceptToTerminalMs.p99)}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
