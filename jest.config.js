/**
 * The tiers `npm test` runs (test/README.md says what each is and how to run one):
 * - unit: pure tests beside the code they test, in packages/X/test and services/X/test;
 * - integration: test/integration, against the real PostgreSQL and Redis, one world per file;
 * - e2e: test/e2e, the pages in headless Chromium against the same worlds.
 * The fourth tier, faults (and the bench smoke check), runs alone after these: jest.faults.config.js.
 */
/** Dependencies that ship ES modules only: Node 20 loads them natively, jest needs them compiled to CommonJS. */
const ESM_ONLY = ['request-filtering-agent'];
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json' }],
  [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true } }],
};
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];
const moduleNameMapper = {
  '^@taskclaim/shared$': '<rootDir>/packages/shared/src/index.ts',
  '^@taskclaim/shared/(domain|contracts|runtime|db|queue|presenters)$': '<rootDir>/packages/shared/src/$1/index.ts',
  '^@taskclaim/client$': '<rootDir>/packages/client/src/index.ts',
};

/** What every tier against the real PostgreSQL and Redis shares (jest runs a global setup shared by projects once). */
const realServices = {
  rootDir: __dirname,
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // The leak guard: a test, env or file that leaves a BullMQ worker or queue, a knex pool or a Redis connection open fails.
  testEnvironment: '<rootDir>/test/support/leak-guard-environment.js',
  setupFilesAfterEnv: ['<rootDir>/test/support/leak-guard.setup.ts'],
};

module.exports = {
  maxWorkers: 2,
  // A worker's JavaScript ends within milliseconds of jest's "end" (no handle stays open), but on two
  // loaded cores the process then needs more than jest's default 500 ms to be gone, and was force-exited.
  // A worker that really leaks a handle never exits, and is still reported after this wait.
  workerGracefulExitTimeout: 5_000,
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/services/*/test/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
    },
    { displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], ...realServices },
    { displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], ...realServices },
  ],
};
