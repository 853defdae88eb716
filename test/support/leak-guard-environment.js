/**
 * The test environment of the integration and fault tests: Node's, plus the leak guard's verdicts. Its
 * events come after the hooks a test file declares (a setup file's afterEach and afterAll would run
 * before the file's own, which close what the file opened): a test that left open what it opened
 * itself fails at test_done; what is still open after the file's afterAll hooks fails the file.
 */
const { TestEnvironment } = require('jest-environment-node');

class LeakGuardEnvironment extends TestEnvironment {
  async handleTestEvent(event, state) {
    const guard = this.global.__leakGuard;
    if (!guard) return;
    if (event.name === 'test_start') event.test.leakMark = guard.mark();
    if (event.name === 'test_done' && event.test.leakMark !== undefined) {
      const leak = await guard.leaksOfTest(event.test.leakMark);
      if (leak) event.test.errors.push(new Error(leak));
    }
    if (event.name === 'run_finish') {
      const leak = await guard.leaksOfFile();
      if (leak) state.unhandledErrors.push(new Error(leak));
    }
  }
}

module.exports = LeakGuardEnvironment;
