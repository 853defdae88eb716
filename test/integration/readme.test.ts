import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '@taskclaim/shared';

const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

test('the README starts with the two commands a newcomer runs', () => {
  const firstBlock = readme.slice(readme.indexOf('```sh'), readme.indexOf('```', readme.indexOf('```sh') + 5));
  expect(firstBlock).toContain('npm ci && npm start');
  expect(firstBlock).toContain('npm test');
});

test('the configuration table lists exactly the variables the config schema accepts', () => {
  const documented = [...section('Configuration').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]).sort();
  expect(documented).toEqual(Object.keys(configSchema.shape).sort());
});

test('the metrics table names every metric the code registers', () => {
  const documented = section('Metrics');
  const sources = [
    'packages/shared/src/metrics.ts',
    'services/api/src/metrics.ts',
    'services/claim-worker/src/metrics.ts',
  ].map((file) => readFileSync(path.resolve(__dirname, '../..', file), 'utf8'));
  const registered = sources.flatMap((source) => [...source.matchAll(/name: '(taskclaim_[a-z_]+)'/g)].map((match) => match[1]));
  expect(registered.length).toBeGreaterThan(6);
  for (const name of registered) expect([name, documented.includes(`\`${name}\``)]).toEqual([name, true]);
});
