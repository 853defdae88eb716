import path from 'node:path';
import { parseArgs } from 'node:util';
import { BASELINE_MODES } from './baselines';
import { CLIENTS, type ClientKind } from './clients';
import { DEFAULT_SIZES, QUICK_SCENARIOS, QUICK_SIZES, SCENARIOS, type ScenarioName, type Sizes } from './scenarios';

/** taskclaim's two dispatch modes, and the synchronous baselines (bench/baselines.ts). */
const MODES = ['queue', 'inline', ...BASELINE_MODES] as const;
export type Mode = (typeof MODES)[number];

/** API and claim-worker process counts of one measured queue-mode run */
export interface ProcessCounts {
  api: number;
  workers: number;
}

export interface BenchOptions {
  quick: boolean;
  scenarios: ScenarioName[];
  modes: Mode[];
  clients: ClientKind[];
  workers: number;
  api: number;
  inflight: number;
  partitions: number;
  sizes: Sizes;
  profile: boolean;
  logLevel: string;
  /** waiting room: how long the waiters are held while nothing is decided, and the wait for PostgreSQL's statistics to settle first */
  holdMs: number;
  settleMs: number;
  idempotencyKeys: boolean;
  resultsDir: string;
  docs: boolean;
  docsDir: string;
  keepDatabases: boolean;
  /** keep the services' logs (and probe files) even when the run succeeds */
  keepLogs: boolean;
  /** render the table, docs and chart again from a saved results JSON instead of running */
  fromResults?: string;
  databaseUrl: string;
  timeoutMs: number;
  /** before each measured run, wait up to this long for other processes to leave the CPUs nearly idle */
  waitQuietMs: number;
  /** how many times the servers of a scenario with baselines run, in alternating order (the ratios are the rounds' median) */
  rounds: number;
}

const USAGE = `npm run bench -- [options]

  --quick                 small sizes, every scenario but shift-change (about a minute); writes no docs
  --scenarios a,b         ${SCENARIOS.join(', ')} (default: all)
                          shift-change: a loaded floor, then half the operators press End shift while the
                          others press Claim next (taskclaim in queue mode only)
  --modes a,b             ${MODES.join(', ')} (default: all; seed-sync is the seed plan's synchronous design,
                          fast-sync the synchronous claim written for speed)
  --clients a,b           ${CLIENTS.join(', ')} (default: both): async POSTs (202) then long-polls GET /api/claims/{id};
                          wait POSTs with Prefer: wait=30
  --workers N             claim-worker processes (default 1, as npm start runs)
  --api N                 API processes, round-robin from the load generator (default 1)
  --inflight N            claims in flight, each a client doing its POST and, if needed, its long-poll (default 128)
  --partitions N          CLAIM_PARTITIONS (default 16)
  --operators N --departments N --tasks N --claims N --hot-tasks N --hot-share F
  --storm-operators N --storm-limit N --storm-claims N --waiters N
  --profile               node --cpu-prof for the measured API and worker processes, summarised per run
  --log-level L           LOG_LEVEL of the services (default info, as deployed)
  --hold-ms N --settle-ms N   waiting room: hold window, and the wait for pg_stat to settle before it
  --no-idempotency-keys   clients send no Idempotency-Key
  --results-dir D         default bench/results
  --docs / --no-docs      write docs/bench.md and docs/bench-latency.svg (default: yes unless --quick)
  --wait-quiet-ms N       before each run, wait up to N ms for other processes to quiet down (default 90000, quick 0)
  --rounds N              run each scenario that has baselines N times, the servers in alternating order (forward,
                          then backward), and judge each target on the median of the rounds' ratios (default 3, quick 1)
  --keep-databases        do not drop the bench databases
  --from-results FILE     print the tables (and with --docs write docs/) from a saved results JSON; runs nothing
  --keep-logs             keep the services' log files (printed path) even when every run passes
  --database-url URL      server to use (default postgres://postgres@127.0.0.1:5432/postgres)
`;

const list = (value: string | undefined) => (value ? value.split(',').map((item) => item.trim()).filter(Boolean) : undefined);

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      help: { type: 'boolean' },
      quick: { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      modes: { type: 'string' },
      clients: { type: 'string' },
      workers: { type: 'string' },
      api: { type: 'string' },
      inflight: { type: 'string' },
      partitions: { type: 'string' },
      operators: { type: 'string' },
      departments: { type: 'string' },
      tasks: { type: 'string' },
      claims: { type: 'string' },
      'hot-tasks': { type: 'string' },
      'hot-share': { type: 'string' },
      'storm-operators': { type: 'string' },
      'storm-limit': { type: 'string' },
      'storm-claims': { type: 'string' },
      waiters: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'log-level': { type: 'string' },
      'hold-ms': { type: 'string' },
      'settle-ms': { type: 'string' },
      'no-idempotency-keys': { type: 'boolean' },
      'results-dir': { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      'docs-dir': { type: 'string' },
      'keep-databases': { type: 'boolean', default: false },
      'keep-logs': { type: 'boolean', default: false },
      'from-results': { type: 'string' },
      'database-url': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'wait-quiet-ms': { type: 'string' },
      rounds: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (value: string | undefined, fallback: number, name: string, min = 1): number => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${value}`);
    return parsed;
  };
  const quick = values.quick ?? false;
  const base = quick ? QUICK_SIZES : DEFAULT_SIZES;
  const sizes: Sizes = {
    operators: int(values.operators, base.operators, 'operators'),
    departments: int(values.departments, base.departments, 'departments'),
    tasks: int(values.tasks, base.tasks, 'tasks'),
    claims: int(values.claims, base.claims, 'claims'),
    hotTasks: int(values['hot-tasks'], base.hotTasks, 'hot-tasks'),
    hotShare: values['hot-share'] !== undefined ? Number(values['hot-share']) : base.hotShare,
    stormOperators: int(values['storm-operators'], base.stormOperators, 'storm-operators'),
    stormLimit: int(values['storm-limit'], base.stormLimit, 'storm-limit'),
    stormClaims: int(values['storm-claims'], base.stormClaims, 'storm-claims'),
    waiters: int(values.waiters, base.waiters, 'waiters'),
  };
  if (!(sizes.hotShare > 0 && sizes.hotShare <= 1)) throw new Error('--hot-share must be in (0, 1]');
  if (sizes.operators < sizes.departments * 2) throw new Error('--operators must be at least twice --departments');
  if (sizes.stormOperators > sizes.operators) throw new Error('--storm-operators must not exceed --operators');
  const scenarios = (list(values.scenarios) ?? [...(quick ? QUICK_SCENARIOS : SCENARIOS)]) as ScenarioName[];
  for (const scenario of scenarios) if (!SCENARIOS.includes(scenario)) throw new Error(`unknown scenario ${scenario}; one of ${SCENARIOS.join(', ')}`);
  const modes = (list(values.modes) ?? [...MODES]) as Mode[];
  for (const mode of modes) if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}; one of ${MODES.join(', ')}`);
  const clients = (list(values.clients) ?? [...CLIENTS]) as ClientKind[];
  for (const client of clients) if (!CLIENTS.includes(client)) throw new Error(`unknown client ${client}; one of ${CLIENTS.join(', ')}`);
  const root = path.resolve(__dirname, '..');
  return {
    quick,
    scenarios,
    modes,
    clients,
    workers: int(values.workers, 1, 'workers'),
    api: int(values.api, 1, 'api'),
    inflight: int(values.inflight, 128, 'inflight'),
    partitions: int(values.partitions, 16, 'partitions'),
    sizes,
    profile: values.profile ?? false,
    logLevel: values['log-level'] ?? 'info',
    holdMs: int(values['hold-ms'], quick ? 2_000 : 5_000, 'hold-ms'),
    settleMs: int(values['settle-ms'], 10_500, 'settle-ms', 0),
    idempotencyKeys: !values['no-idempotency-keys'],
    resultsDir: path.resolve(values['results-dir'] ?? path.join(root, 'bench/results')),
    docs: values['no-docs'] ? false : (values.docs ?? (!quick && !values['from-results'])),
    docsDir: path.resolve(values['docs-dir'] ?? path.join(root, 'docs')),
    keepDatabases: values['keep-databases'] ?? false,
    keepLogs: values['keep-logs'] ?? false,
    fromResults: values['from-results'] ? path.resolve(values['from-results']) : undefined,
    databaseUrl: values['database-url'] ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    timeoutMs: int(values['timeout-ms'], 15 * 60_000, 'timeout-ms'),
    waitQuietMs: int(values['wait-quiet-ms'], quick ? 0 : 90_000, 'wait-quiet-ms', 0),
    rounds: int(values.rounds, quick ? 1 : 3, 'rounds'),
  };
}
