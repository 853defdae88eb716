export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function summarize(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

/** The percentile curve the chart draws: p1 … p99, p99.9 and max. */
export function curve(values: readonly number[]): { p: number; ms: number }[] {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return [];
  const points = Array.from({ length: 99 }, (_, i) => ({ p: i + 1, ms: percentile(sorted, i + 1) }));
  points.push({ p: 99.9, ms: percentile(sorted, 99.9) }, { p: 100, ms: sorted.at(-1) as number });
  return points;
}

export const increment = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by;
};
