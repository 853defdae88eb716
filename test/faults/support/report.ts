import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const FILE = path.resolve(__dirname, '../../../test-results/fault-figures.jsonl');

/** Figures the README's "Guarantees" quotes: printed, and kept in test-results/fault-figures.jsonl. */
export function reportFigures(test: string, figures: Record<string, unknown>): void {
  mkdirSync(path.dirname(FILE), { recursive: true });
  appendFileSync(FILE, `${JSON.stringify({ test, at: new Date().toISOString(), ...figures })}\n`);
  console.log(`[fault figures] ${test}: ${JSON.stringify(figures)}`);
}
