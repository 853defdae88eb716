import { mkdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Where a test saves a screenshot: docs/ with UPDATE_SCREENSHOTS=1 (refreshing the committed
 * pictures), else test-results/screenshots/, so that `npm test` changes no tracked file.
 */
export function screenshotPath(file: string): string {
  const folder = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs') : path.join(ROOT, 'test-results', 'screenshots');
  mkdirSync(folder, { recursive: true });
  return path.join(folder, file);
}
