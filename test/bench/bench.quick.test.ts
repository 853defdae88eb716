import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface QuickReport {
  invariantsPass: boolean;
  runs: { scenario: string; mode: string; client: string; claims: number; invariants: { name: string; ok: boolean; violations: unknown[] }[] }[];
}

/**
 * `npm run bench -- --quick` starts real API and worker processes, a private Redis and its own
 * databases, like the fault tests, hence this suite. Only completion and the invariants are
 * checked: timings depend on the machine and are never asserted.
 */
describe('npm run bench -- --quick', () => {
  const resultsDir = mkdtempSync(path.join(os.tmpdir(), 'taskclaim-bench-test-'));
  afterAll(() => rmSync(resultsDir, { recursive: true, force: true }));

  test('completes every scenario against seed-sync, fast-sync, inline and queue (both clients) with every invariant of taskclaim and fast-sync PASS and writes its JSON', async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('npm', ['run', 'bench', '--', '--quick', '--no-docs', '--results-dir', resultsDir], {
        cwd: ROOT,
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('exit', (exitCode) => resolve({ code: exitCode, output: text }));
    });
    if (code !== 0) throw new Error(`npm run bench -- --quick exited ${code}:\n${output.slice(-8000)}`);

    const files = readdirSync(resultsDir).filter((file) => file.endsWith('.json'));
    expect(files).toHaveLength(1);
    const report = JSON.parse(readFileSync(path.join(resultsDir, files[0]), 'utf8')) as QuickReport;
    const label = (run: QuickReport['runs'][number]) => `${run.scenario}/${run.mode}${run.mode === 'queue' ? `/${run.client}` : ''}`;
    expect(report.runs.map(label).sort()).toEqual(
      ['capacity-storm', 'shift-start', 'uniform']
        .flatMap((scenario) => ['fast-sync', 'inline', 'queue/async', 'queue/wait', 'seed-sync'].map((server) => `${scenario}/${server}`))
        .concat(['shift-start-next/inline', 'shift-start-next/queue/async', 'shift-start-next/queue/wait', 'waiting-room/queue/async'])
        .sort(),
    );
    for (const run of report.runs) {
      expect(run.claims).toBeGreaterThan(0);
      // seed-sync is the baseline: its broken invariants (operators over their limit) are reported, not required
      if (run.mode === 'seed-sync') continue;
      expect({ run: label(run), failed: run.invariants.filter((invariant) => !invariant.ok) }).toEqual({ run: label(run), failed: [] });
    }
    expect(report.invariantsPass).toBe(true);
  }, 300_000);
});
