import { roundsOf, targetsOf } from '../../bench/run';

const labels = (targets: ReturnType<typeof roundsOf>) => targets.map((t) => `${t.round ?? '-'}:${t.mode}${t.mode === 'queue' ? `/${t.client}` : ''}`);

describe('bench --rounds', () => {
  const all = ['seed-sync', 'fast-sync', 'inline', 'queue'] as const;

  test('a scenario with baselines runs its servers once per round, every other round in reverse order', () => {
    const targets = targetsOf('shift-start', all, ['async', 'wait']);
    expect(labels(roundsOf(targets, 3))).toEqual([
      ...['seed-sync', 'fast-sync', 'inline', 'queue/async', 'queue/wait'].map((l) => `1:${l}`),
      ...['queue/wait', 'queue/async', 'inline', 'fast-sync', 'seed-sync'].map((l) => `2:${l}`),
      ...['seed-sync', 'fast-sync', 'inline', 'queue/async', 'queue/wait'].map((l) => `3:${l}`),
    ]);
  });

  test('a scenario without a baseline, or one round, runs once and its runs carry no round', () => {
    expect(labels(roundsOf(targetsOf('shift-change', all, ['wait']), 3))).toEqual(['-:queue/wait']);
    expect(labels(roundsOf(targetsOf('shift-start-next', all, ['wait']), 3))).toEqual(['-:inline', '-:queue/wait']);
    expect(labels(roundsOf(targetsOf('uniform', ['fast-sync', 'queue'], ['wait']), 1))).toEqual(['-:fast-sync', '-:queue/wait']);
    // only baselines, nothing of taskclaim's to compare: once
    expect(labels(roundsOf(targetsOf('uniform', ['fast-sync'], ['wait']), 3))).toEqual(['-:fast-sync']);
  });
});
