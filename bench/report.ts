import { BASELINES, baselineOf, type Baseline, type BaselineMode } from './baselines';
import type { BenchOptions } from './options';
import { profileMarkdown } from './profile';
import { runLabel, type RunResult } from './run';
import { summarize, type Percentiles } from './stats';

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
  /** every run of taskclaim and of the baselines that keep the invariants passed every invariant (seed-sync's are reported, not required) */
  invariantsPass: boolean;
  method: string[];
}

const fixed = (value: number | undefined, digits = 0) => (value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits));
const ms = (value: number) => (!Number.isFinite(value) ? '—' : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const trio = (p: Percentiles) => (p.count ? `${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.p99)}` : '—');
const quartet = (p: Percentiles) => (p.count ? `${trio(p)} / ${ms(p.max)}` : '—');
const mib = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : '—');
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || '—';

/** the baseline's run of the same scenario and round */
const baselineRunOf = (report: BenchReport, run: RunResult, mode: BaselineMode) => report.runs.find((r) => r.scenario === run.scenario && r.mode === mode && r.round === run.round);
const ratio = (value: number, base: number | undefined) => (base ? value / base : NaN);
/** the baselines this report has runs of */
const baselinesIn = (report: BenchReport) => BASELINES.filter((baseline) => report.runs.some((run) => run.mode === baseline.mode));
const isBaselineRun = (run: RunResult) => baselineOf(run.mode) !== undefined;

/**
 * One table per baseline: each of its targets, against the baseline measured in the same run. With
 * rounds, each figure is the median over the rounds (a ratio: of each round's ratio, taskclaim against
 * the baseline's run of that round), followed by the rounds' range.
 */
function targetTable(report: BenchReport, baseline: Baseline): string[] {
  const name = baseline.mode;
  const rounds = report.options.rounds ?? 1;
  const out = [
    `**Against ${name}**, ${baseline.title} (measured in this run${rounds > 1 ? `, ${rounds} rounds: the median of the rounds, each taskclaim run against the ${name} run of its round, and their range` : ''}; server CPU = API + workers + PostgreSQL + Redis per claim)`,
    '',
    `| scenario | taskclaim | claims/s × ${name} | target | server CPU × ${name} (target ≤ ${baseline.serverCpuAtMost.toFixed(1)}) | end-to-end p99 ms, taskclaim / ${name} | Redis commands per claim (target ≤ ${baseline.redisCommandsAtMost}) |`,
    '|---|---|---:|---:|---:|---|---:|',
  ];
  for (const target of baseline.targets) {
    const pairs = report.runs
      .filter((r) => r.scenario === target.scenario && r.mode === target.mode && (!target.client || r.client === target.client))
      .flatMap((run) => {
        const base = baselineRunOf(report, run, name);
        return base ? [{ run, base }] : [];
      });
    if (pairs.length === 0) continue;
    /** the median of a figure over the rounds, and (with rounds) their range */
    const over = (figure: (pair: (typeof pairs)[number]) => number, digits: number, format = (value: number) => fixed(value, digits)) => {
      const values = pairs.map(figure);
      const middle = summarize(values).p50;
      return { value: middle, text: values.length > 1 ? `${format(middle)} (${format(Math.min(...values))}–${format(Math.max(...values))})` : format(middle) };
    };
    const throughput = over(({ run, base }) => ratio(run.claimsPerSecond, base.claimsPerSecond), 2);
    const cpu = over(({ run, base }) => ratio(run.cpuMsPerClaim.server, base.cpuMsPerClaim.server), 2);
    const p99 = over(({ run }) => run.endToEndMs.p99, 0, ms);
    const baseP99 = over(({ base }) => base.endToEndMs.p99, 0, ms);
    const redis = over(({ run }) => run.redis.commandsPerClaim, 1);
    const met = (ok: boolean) => (ok ? 'met' : '**not met**');
    const { run } = pairs[0];
    const queue = run.mode === 'queue';
    out.push(
      `| ${run.scenario} | ${runLabel({ ...run, round: undefined })} | ${throughput.text} | ≥ ${target.atLeast.toFixed(1)} ${met(throughput.value >= target.atLeast)} | ${cpu.text}${queue ? ` ${met(cpu.value <= baseline.serverCpuAtMost)}` : ''} | ` +
        `${p99.text} / ${baseP99.text} ${met(p99.value <= baseP99.value)} | ${queue ? `${redis.text} ${met(redis.value <= baseline.redisCommandsAtMost)}` : '—'} |`,
    );
  }
  out.push('');
  return out;
}

/** Issue 13's question: how many lost races claim-next saves at shift start. */
function claimNextTable(report: BenchReport): string[] {
  const variants = report.runs.filter((run) => run.scenario === 'shift-start-next');
  if (!variants.length) return [];
  const lostShare = (run: RunResult) => ((run.outcomes.already_claimed ?? 0) / run.claims) * 100;
  const out = [
    '**Claim-next at shift start** (the same burst; in `shift-start-next` every other operator presses "Claim next" instead of claiming the task it aimed at)',
    '',
    '| server, client | shift-start: claims/s, `already_claimed` | shift-start-next: claims/s, `already_claimed` | shift-start-next: the other outcomes |',
    '|---|---|---|---|',
  ];
  for (const run of variants) {
    const plain = report.runs.find((r) => r.scenario === 'shift-start' && r.mode === run.mode && r.client === run.client);
    const next = `${counts(Object.fromEntries(Object.entries(run.outcomes).filter(([key]) => key !== 'already_claimed')))}`;
    out.push(
      `| ${runLabel(run)} | ${plain ? `${fixed(plain.claimsPerSecond)}, ${fixed(lostShare(plain), 1)} %` : '—'} | ${fixed(run.claimsPerSecond)}, ${fixed(lostShare(run), 1)} % | ${next} |`,
    );
  }
  out.push('');
  return out;
}

/** Issue 18's shift change: End shift (release-mine) racing Claim next on a loaded floor. */
function shiftChangeTable(report: BenchReport): string[] {
  const runs = report.runs.filter((run) => run.scenario === 'shift-change');
  if (!runs.length) return [];
  const split = (run: RunResult, release: boolean) => Object.fromEntries(Object.entries(run.outcomes).filter(([key]) => key.startsWith('release ') === release));
  const out = [
    `**Shift change** (${runs[0].description}; decided = every release request and claim-next)`,
    '',
    '| server, client | HTTP requests | decided | decided/s | End shift: release outcomes | Claim next: outcomes | invariants |',
    '|---|---:|---:|---:|---|---|---|',
  ];
  for (const run of runs) {
    out.push(
      `| ${runLabel(run)} | ${run.requests} | ${run.claims} | ${fixed(run.claimsPerSecond)} | ${counts(split(run, true))} | ${counts(split(run, false))} | ` +
        `${run.invariants.filter((i) => i.ok).length}/${run.invariants.length} ${run.invariantsPass ? 'PASS' : '**FAIL**'} |`,
    );
  }
  // the baselines have neither release-mine nor claim-next
  for (const baseline of BASELINES.filter((b) => report.options.modes.includes(b.mode))) out.push(`| ${baseline.mode} | — | — | — | — | — | — |`);
  const leased = runs.filter((run) => run.lease);
  if (leased.length) {
    out.push(
      '',
      '**Shift change, lease variant** (lateness = the expiry decided (its `completed_at`) − `lease_expires_at`, read back through each task\'s history; racing claims fired from 300 ms before the first lease end, and again from that end on)',
      '',
      '| server, client | leases | lease ends spread | released | lateness p50 / p99 / max ms | released early | racing claims: outcomes |',
      '|---|---:|---:|---:|---|---:|---|',
    );
    for (const run of leased) {
      const lease = run.lease!;
      out.push(
        `| ${runLabel(run)} | ${lease.leases} | ${fixed(lease.leaseEndSpreadMs)} ms | ${lease.released} | ${ms(lease.latenessMs.p50)} / ${ms(lease.latenessMs.p99)} / ${ms(lease.latenessMs.max)} | ${lease.releasedEarly} | ${counts(lease.racingOutcomes)} |`,
      );
    }
  }
  out.push('');
  return out;
}

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
    `Processes: taskclaim ${options.api} API + ${options.workers} claim worker (queue mode; inline runs the API only), CLAIM_PARTITIONS ${options.partitions}; each baseline one server process. ` +
      `${options.inflight} claims in flight (keep-alive), LOG_LEVEL ${options.logLevel}, operator tokens${options.idempotencyKeys ? ', an Idempotency-Key per claim' : ''}.`,
  );
  out.push('');
  const baselines = baselinesIn(report);
  for (const baseline of baselines) out.push(...targetTable(report, baseline));
  /** `× baseline` columns: the header cells, the separators, and a run's ratios of a figure */
  const timesHeader = baselines.map((b) => ` × ${b.mode} |`).join('');
  const timesSeparator = baselines.map(() => '---:|').join('');
  const times = (run: RunResult, figure: (r: RunResult) => number) =>
    baselines
      .map((b) => {
        const base = baselineRunOf(report, run, b.mode);
        return ` ${fixed(ratio(figure(run), base && figure(base)), 2)} |`;
      })
      .join('');

  out.push('**Throughput and latency** (ms: p50 / p95 / p99 / max; end-to-end = POST sent → the client knows the outcome)');
  out.push('');
  out.push(`| scenario | server, client | claims | claims/s |${timesHeader} POST answered | end-to-end | operators over their limit | invariants |`);
  out.push(`|---|---|---:|---:|${timesSeparator}---|---|---:|---|`);
  for (const run of report.runs) {
    const invariants = `${run.invariants.filter((i) => i.ok).length}/${run.invariants.length} ${run.invariantsPass ? 'PASS' : '**FAIL**'}`;
    out.push(
      `| ${run.scenario} | ${runLabel(run)} | ${run.claims} | ${fixed(run.claimsPerSecond)} |${times(run, (r) => r.claimsPerSecond)} ` +
        `${quartet(run.postMs)} | ${quartet(run.endToEndMs)}${run.latencyNote ? ' ¹' : ''} | ${run.operatorsOverLimit ? `**${run.operatorsOverLimit}**` : 0} | ${invariants} |`,
    );
  }
  out.push('');
  if (report.runs.some((run) => run.latencyNote)) {
    out.push('¹ waiting room: the POSTs went in with the queues paused; end-to-end counts from resuming the queues, claims/s too.');
    out.push('');
  }

  out.push(...claimNextTable(report));
  out.push(...shiftChangeTable(report));

  out.push('**Outcomes (as the clients were told) and HTTP statuses**');
  out.push('');
  out.push('| scenario | server, client | outcomes | HTTP statuses | retried | long-polls that ended undecided |');
  out.push('|---|---|---|---|---|---:|');
  for (const run of report.runs) out.push(`| ${run.scenario} | ${runLabel(run)} | ${counts(run.outcomes)} | ${counts(run.http)} | ${counts(run.retried)} | ${run.repolls} |`);
  out.push('');

  out.push('**Cost per claim** (CPU milliseconds per decided claim; server = API + workers + PostgreSQL + Redis; ELU = event-loop utilisation of the API / worker processes)');
  out.push('');
  out.push(
    `| scenario | server, client | statements (API + worker) | BEGIN/COMMIT | DB commits | Redis commands | API | workers | PostgreSQL | Redis | **server** |${timesHeader} load generator | other processes | machine | ELU API / worker | Redis used_memory after / peak |`,
  );
  out.push(`|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|${timesSeparator}---:|---:|---:|---|---|`);
  for (const run of report.runs) {
    const c = run.cpuMsPerClaim;
    const other = run.cpuSeconds.postgresOtherDatabases > 0.05 ? ` (${fixed((run.cpuSeconds.postgresOtherDatabases / run.claims) * 1000, 2)} other DBs)` : '';
    out.push(
      `| ${run.scenario} | ${runLabel(run)} | ${fixed(run.statements.perClaim.total, 1)} (${fixed(run.statements.perClaim.api, 1)} + ${fixed(run.statements.perClaim.worker, 1)}) | ` +
        `${fixed(run.statements.transactionControlPerClaim, 2)} | ${fixed(run.db.commitsPerClaim, 2)} | ${fixed(run.redis.commandsPerClaim, 1)} | ${fixed(c.api, 2)} | ${fixed(c.workers, 2)} | ${fixed(c.postgres, 2)}${other} | ${fixed(c.redis, 2)} | ` +
        `**${fixed(c.server, 2)}** |${times(run, (r) => r.cpuMsPerClaim.server)} ${fixed(c.bench, 2)} | ${fixed(c.others, 2)} | ${fixed(c.machine, 2)} | ` +
        `${fixed(run.eventLoopUtilization.api, 2)} / ${fixed(run.eventLoopUtilization.worker, 2)} | ${isBaselineRun(run) ? '—' : `${mib(run.redis.usedMemoryAfter)} / ${mib(run.redis.usedMemoryPeakDuringRun)}`} |`,
    );
  }
  out.push('');

  out.push('**Redis commands per claim, by command** (the largest)');
  out.push('');
  out.push('| scenario | server, client | commands |');
  out.push('|---|---|---|');
  for (const run of report.runs.filter((r) => !isBaselineRun(r))) {
    const top = Object.entries(run.redis.byCommandPerClaim)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([command, perClaim]) => `${command} ${perClaim.toFixed(2)}`)
      .join(', ');
    out.push(`| ${run.scenario} | ${runLabel(run)} | ${top || '—'} |`);
  }
  out.push('');

  const waiting = report.runs.filter((run) => run.waitingRoom);
  if (waiting.length) {
    out.push(
      `**Waiting room** (every client holds a \`GET /api/claims/{id}\` with \`Prefer: wait=30\` while the partition queues are paused; the hold window starts ${waiting[0].waitingRoom!.settleMs} ms after the API's last statement)`,
    );
    out.push('');
    out.push('| waiters | held | API statements while holding | per waiter per second | worker statements (reconciler) | pg xact_commit while holding ² | API CPU while holding | Redis commands while holding | end-to-end after resume p50 / p95 / p99 / max ms |');
    out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const run of waiting) {
      const w = run.waitingRoom!;
      out.push(
        `| ${w.waiters} | ${w.holdSeconds.toFixed(1)} s | ${w.apiStatementsWhileHolding} | ${w.apiStatementsPerWaiterPerSecond.toFixed(4)} | ${w.workerStatementsWhileHolding} | ${w.xactCommitWhileHolding} | ` +
          `${w.apiCpuSecondsPerSecondWhileHolding.toFixed(3)} s/s | ${w.redisCommandsWhileHolding} | ${quartet(run.endToEndMs)} |`,
      );
    }
    out.push('');
    out.push("² every transaction of the run's database in the window: the workers' reconciler rounds, and autovacuum/autoanalyze; the API's own statements are the probe's exact count.");
    out.push('');
  }

  const failed = report.runs.flatMap((run) => run.invariants.filter((i) => !i.ok).map((i) => ({ run: `${run.scenario} / ${runLabel(run)}`, mode: run.mode, ...i })));
  const required = failed.filter((f) => baselineOf(f.mode)?.keepsInvariants !== false);
  out.push(
    `**Invariants** (the invariants of docs/guarantees.md: \`checkInvariants\` with first come first served, and what the clients were told): taskclaim${baselines.some((b) => b.keepsInvariants) ? ` and ${baselines.filter((b) => b.keepsInvariants).map((b) => b.mode).join(', ')}` : ''} ` +
      `${required.length ? '**FAIL**' : 'every one PASS in every run'}${failed.length > required.length ? `; ${[...new Set(failed.filter((f) => !required.includes(f)).map((f) => f.mode))].join(', ')} breaks the ones listed below` : ''}.`,
  );
  for (const failure of failed) out.push(`- FAIL ${failure.run}: ${failure.name} — ${JSON.stringify(failure.violations).slice(0, 300)}`);
  out.push('');

  out.push('**Where the statements come from** (per claim, the most frequent, by process)');
  out.push('');
  for (const run of report.runs) {
    out.push(`<details><summary>${run.scenario} / ${runLabel(run)}</summary>`);
    out.push('');
    out.push('| role | per claim | statement |');
    out.push('|---|---:|---|');
    for (const statement of run.statements.top.slice(0, 14)) out.push(`| ${statement.role} | ${statement.perClaim.toFixed(2)} | \`${statement.sql.replace(/\|/g, '\\|').slice(0, 150)}\` |`);
    out.push('');
    out.push('</details>');
    out.push('');
  }

  for (const run of report.runs.filter((r) => r.profiles)) {
    out.push(`**CPU profile, ${run.scenario} / ${runLabel(run)}** (node --cpu-prof, samples inside the burst window only; files in \`${run.profiles!.dir}\`)`);
    out.push('');
    if (run.profiles!.api) out.push(profileMarkdown(isBaselineRun(run) ? `${run.mode} server` : 'API process(es)', run.profiles!.api));
    if (run.profiles!.worker) out.push(profileMarkdown('claim-worker process(es)', run.profiles!.worker));
  }

  out.push('<details><summary>Method</summary>');
  out.push('');
  for (const line of report.method) out.push(`- ${line}`);
  out.push('');
  out.push('</details>');
  return out.join('\n');
}

/** Percentile curves of end-to-end latency per server and client, one panel per scenario; x on a "nines" scale. */
export function latencySvg(report: BenchReport): string {
  const scenarios = [...new Set(report.runs.filter((run) => run.scenario !== 'waiting-room').map((run) => run.scenario))];
  const width = 1040;
  const panelHeight = 280;
  const margin = { left: 70, right: 210, top: 40, bottom: 46 };
  const height = Math.max(1, scenarios.length) * (panelHeight + margin.top + margin.bottom) + 40;
  const colors: Record<string, string> = { 'queue, async client': '#1f77b4', 'queue, wait client': '#17becf', inline: '#ff7f0e', 'seed-sync': '#d62728', 'fast-sync': '#2ca02c' };
  const nines = (p: number) => (p >= 100 ? 3.4 : -Math.log10(1 - p / 100));
  const xMax = 3.4;
  const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">End-to-end latency percentiles (POST sent → outcome known) (${esc(report.startedAt)})</text>`,
  ];
  scenarios.forEach((scenario, index) => {
    const top = 40 + index * (panelHeight + margin.top + margin.bottom) + margin.top;
    const left = margin.left;
    const plotWidth = width - margin.left - margin.right;
    // the first round's runs (the rounds' curves are alike; more would crowd the panel)
    const runs = report.runs.filter((run) => run.scenario === scenario && run.endToEndCurve.length && (run.round ?? 1) === 1).map((run) => ({ ...run, round: undefined }));
    const values = runs.flatMap((run) => run.endToEndCurve.map((point) => Math.max(point.ms, 0.1)));
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
      const points = run.endToEndCurve.map((point) => `${x(point.p).toFixed(1)},${y(point.ms).toFixed(1)}`).join(' ');
      const color = colors[runLabel(run)] ?? '#333';
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`);
      const legendY = top + 20 + i * 36;
      parts.push(`<line x1="${left + plotWidth + 12}" x2="${left + plotWidth + 34}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="3"/>`);
      parts.push(`<text x="${left + plotWidth + 40}" y="${legendY + 4}">${esc(runLabel(run))}</text>`);
      parts.push(`<text x="${left + plotWidth + 40}" y="${legendY + 18}" fill="#555">${run.claimsPerSecond.toFixed(0)} claims/s, p99 ${ms(run.endToEndMs.p99)}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
