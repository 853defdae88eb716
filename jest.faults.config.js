/**
 * `npm run test:faults`: the tiers that run alone, after `npm test`, one file at a time.
 * - faults: real processes, real faults (each file owns a Redis, some a PostgreSQL cluster);
 * - bench: the benchmark's smoke check, real API and worker processes at full load.
 */
const base = require('./jest.config.js');
const integration = base.projects.find((project) => project.displayName === 'integration');

module.exports = {
  testTimeout: 240_000,
  maxWorkers: 1,
  projects: [
    { ...integration, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'] },
    { ...integration, displayName: 'bench', testMatch: ['<rootDir>/test/bench/**/*.test.ts'] },
  ],
};
