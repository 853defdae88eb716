/** `npm run test:faults`: real processes, real faults; one file at a time (each owns a Redis, some a PostgreSQL cluster). */
const base = require('./jest.config.js');
const integration = base.projects.find((project) => project.displayName === 'integration');

module.exports = {
  ...integration,
  displayName: 'faults',
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  testTimeout: 240_000,
  maxWorkers: 1,
};
