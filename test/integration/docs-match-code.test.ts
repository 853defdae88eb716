/**
 * The README is a landing page whose commands work, and the reference it links to in docs/ matches
 * the code. (The first session itself runs against `npm start` in first-session.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '@taskclaim/shared/runtime';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const readme = read('README.md');
const documents = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];

function section(text: string, title: string): string {
  const start = text.indexOf(`## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

test('the README starts with the two commands a newcomer runs, and stays a landing page', () => {
  const firstBlock = readme.slice(readme.indexOf('```sh'), readme.indexOf('```', readme.indexOf('```sh') + 5));
  expect(firstBlock).toContain('npm ci && npm start');
  expect(firstBlock).toContain('npm test');
  expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  for (const title of ['A first session', 'How a claim flows', 'Running a second copy', 'Tests', 'Read on']) section(readme, title);
});

test('every relative link of the README and docs/ names a file the repository has, and none cites a SPEC it lacks', () => {
  for (const document of documents) {
    const text = read(document);
    const links = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((match) => match[1]).filter((link) => !/^[a-z]+:/.test(link));
    for (const link of links) expect({ document, link, exists: existsSync(path.resolve(ROOT, path.dirname(document), link)) }).toEqual({ document, link, exists: true });
    expect({ document, spec: text.match(/SPEC(\.md| §)/)?.[0] ?? null }).toEqual({ document, spec: null });
  }
});

test('a second copy is told every setting that must differ', () => {
  const secondCopy = section(readme, 'Running a second copy');
  for (const variable of ['DATABASE_URL', 'QUEUE_PREFIX', 'PORT', 'WORKER_METRICS_PORT']) expect(secondCopy).toContain(variable);
});

test('the configuration table lists exactly the variables the config schema accepts', () => {
  const documented = [...read('docs/configuration.md').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]).sort();
  expect(documented).toEqual(Object.keys(configSchema.shape).sort());
});

test('the metrics table names every metric the code registers', () => {
  const documented = section(read('docs/operations-and-metrics.md'), 'Metrics');
  const sources = ['packages/shared/src/metrics.ts', 'services/api/src/metrics.ts', 'services/claim-worker/src/metrics.ts'].map(read);
  const registered = sources.flatMap((source) => [...source.matchAll(/name: '(taskclaim_[a-z_]+)'/g)].map((match) => match[1]));
  expect(registered.length).toBeGreaterThan(6);
  for (const name of registered) expect([name, documented.includes(`\`${name}\``)]).toEqual([name, true]);
});

test('every bench result committed is one the docs cite, so a reader can check their figures', () => {
  const committed = execFileSync('git', ['ls-files', 'bench/results/*.json'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  const cited = documents.map(read).join('\n');
  for (const file of committed) expect({ file, cited: cited.includes(path.basename(file)) }).toEqual({ file, cited: true });
});
