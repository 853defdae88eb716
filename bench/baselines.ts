/**
 * The synchronous designs taskclaim is measured against, each its own server process (bench/baselines/<name>/server.ts)
 * on its own copy of the seeded database, and the targets taskclaim must meet against it in the same run.
 */
export const BASELINE_MODES = ['seed-sync', 'fast-sync'] as const;
export type BaselineMode = (typeof BASELINE_MODES)[number];

interface BaselineTarget {
  scenario: string;
  mode: 'queue' | 'inline';
  client?: 'async' | 'wait';
  /** taskclaim's claims/s ÷ the baseline's, at least */
  atLeast: number;
}

export interface Baseline {
  mode: BaselineMode;
  server: string;
  /** what the targets table says it is */
  title: string;
  /** true: its runs must pass every client invariant, as taskclaim's do; false: its known flaw is reported, not required */
  keepsInvariants: boolean;
  targets: BaselineTarget[];
  /** queue mode's server CPU per claim ÷ the baseline's, at most */
  serverCpuAtMost: number;
  /** queue mode's Redis commands per claim, at most */
  redisCommandsAtMost: number;
}

export const BASELINES: readonly Baseline[] = [
  {
    mode: 'seed-sync',
    server: 'bench/baselines/seed-sync/server.ts',
    title: "the seed plan's synchronous design; issue 11's targets",
    keepsInvariants: false,
    targets: [
      { scenario: 'shift-start', mode: 'queue', client: 'async', atLeast: 1.5 },
      { scenario: 'shift-start', mode: 'queue', client: 'wait', atLeast: 2.0 },
      { scenario: 'uniform', mode: 'queue', client: 'wait', atLeast: 2.0 },
      { scenario: 'capacity-storm', mode: 'queue', client: 'async', atLeast: 1.0 },
      { scenario: 'shift-start', mode: 'inline', atLeast: 1.0 },
      { scenario: 'uniform', mode: 'inline', atLeast: 1.0 },
      { scenario: 'capacity-storm', mode: 'inline', atLeast: 1.0 },
    ],
    serverCpuAtMost: 0.5,
    redisCommandsAtMost: 10,
  },
  {
    mode: 'fast-sync',
    server: 'bench/baselines/fast-sync/server.ts',
    title: 'the synchronous claim written for speed, one round trip to a PL/pgSQL function per claim; issue 17\'s targets',
    keepsInvariants: true,
    targets: [
      { scenario: 'shift-start', mode: 'queue', client: 'wait', atLeast: 1.0 },
      { scenario: 'shift-start', mode: 'queue', client: 'async', atLeast: 0.9 },
      { scenario: 'uniform', mode: 'queue', client: 'wait', atLeast: 1.0 },
      { scenario: 'capacity-storm', mode: 'queue', client: 'async', atLeast: 1.0 },
    ],
    serverCpuAtMost: 1.0,
    redisCommandsAtMost: 4,
  },
];

export const baselineOf = (mode: string): Baseline | undefined => BASELINES.find((baseline) => baseline.mode === mode);
