import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface QuickReport {
  invariantsPass: boolean;
  runs: { scenario: string; mode: string; claims: number; invariants: { name: string; ok: boolean; violations: unknown[] }[] }[];
  ceilings: { scenario: string; best: { tps: number } }[];
}

/**
 * `npm run bench -- --quick` starts real API and worker processes, a private Redis and its own
 * databases, like the fault tests, hence this suite. Only completion and the invariants are
 * checked: timings depend on the machine and are never asserted.
 */
describe('npm run bench -- --quick', () => {
  const resultsDir = mkdtempSync(path.join(os.tmpdir(), 'taskclaim-bench-test-'));
  afterAll(() => rmSync(resultsDir, { recursive: true, force: true }));

  test('completes every scenario in both modes with every invariant PASS and writes its JSON', async () => {
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
    expect(report.runs.map((run) => `${run.scenario}/${run.mode}`).sort()).toEqual([
      'capacity-storm/inline',
      'capacity-storm/queue',
      'shift-start/inline',
      'shift-start/queue',
      'uniform/inline',
      'uniform/queue',
      'waiting-room/queue',
    ]);
    for (const run of report.runs) {
      expect(run.claims).toBeGreaterThan(0);
      expect({ run: `${run.scenario}/${run.mode}`, failed: run.invariants.filter((invariant) => !invariant.ok) }).toEqual({
        run: `${run.scenario}/${run.mode}`,
        failed: [],
      });
    }
    expect(report.invariantsPass).toBe(true);
    expect(report.ceilings.map((ceiling) => ceiling.scenario).sort()).toEqual(['capacity-storm', 'shift-start', 'uniform']);
  }, 300_000);
});
