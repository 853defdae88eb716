/**
 * `npm test` leaves no trace: the screenshots the browser tests take go to test-results/ (ignored by
 * git) unless UPDATE_SCREENSHOTS=1 asks to refresh docs/, and each run names a template database of
 * its own, so two runs on one PostgreSQL never drop each other's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { templateDatabase } from '../support/databases';
import { screenshotPath } from '../support/screenshots';

const ROOT = path.resolve(__dirname, '../..');

/** Runs `use` with an environment variable set (or unset: undefined), then puts it back. */
function withVariable<T>(name: string, value: string | undefined, use: () => T): T {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return use();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

test('a screenshot goes to test-results/screenshots/, which git ignores; docs/ only with UPDATE_SCREENSHOTS=1', () => {
  const saved = withVariable('UPDATE_SCREENSHOTS', undefined, () => screenshotPath('console-360.png'));
  expect(path.relative(ROOT, saved)).toBe(path.join('test-results', 'screenshots', 'console-360.png'));
  expect(execFileSync('git', ['check-ignore', '--no-index', path.relative(ROOT, saved)], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe(path.relative(ROOT, saved));
  expect(withVariable('UPDATE_SCREENSHOTS', '1', () => screenshotPath('console-360.png'))).toBe(path.join(ROOT, 'docs', 'console-360.png'));
});

test('every screenshot a test takes is saved through screenshotPath', () => {
  const files = execFileSync('git', ['ls-files', 'test', 'harness', 'bench'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((file) => file.endsWith('.ts'));
  const calls = files.flatMap((file) => [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/\.screenshot\(([^)]*)\)/g)].map((match) => ({ file, argument: match[1] })));
  expect(calls.length).toBeGreaterThanOrEqual(4);
  for (const call of calls) expect(call).toEqual({ file: call.file, argument: expect.stringMatching(/^\{ path: screenshotPath\(/) });
});

test('a run without TEST_TEMPLATE_DATABASE (or with it empty) names a template of its own; with it, that one', () => {
  const first = withVariable('TEST_TEMPLATE_DATABASE', undefined, templateDatabase);
  const second = withVariable('TEST_TEMPLATE_DATABASE', '', templateDatabase);
  expect(first).toMatch(/^taskclaim_tpl_[a-z0-9]+_[0-9a-f]{8}$/);
  expect(second).toMatch(/^taskclaim_tpl_/);
  expect(second).not.toBe(first);
  expect(withVariable('TEST_TEMPLATE_DATABASE', 'tpl_mine', templateDatabase)).toBe('tpl_mine');
});
