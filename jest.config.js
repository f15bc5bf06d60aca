/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
  },
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  // Each run names its Redis keys (test/setup/testRun.ts) and deletes them when it ends, so
  // \`npm test\` leaves nothing behind in the developer's Redis.
  globalSetup: '<rootDir>/test/setup/globalSetup.ts',
  globalTeardown: '<rootDir>/test/setup/globalTeardown.ts',
  testTimeout: 30000,
  // Suites share one Redis; each uses its own key namespace, but running them one file at a
  // time keeps the 2-core machine from turning timing bounds into flakes.
  maxWorkers: 1,
  // Suites start real servers (redis-server clusters and sentinels, simulators, child gateways);
  // one left reconnecting by a failed or slow teardown must not hold the run open after its
  // last test (jest would wait for ever, and CI with it). Leaks stay visible with
  // `npx jest --detectOpenHandles`.
  forceExit: true,
  // In CI (CI=true) `npm test` prints a coverage summary of src/ (the in-process code; the
  // child processes the start-up and multi-process tests spawn are not instrumented).
  collectCoverage: process.env.CI === 'true',
  collectCoverageFrom: ['src/**/*.ts'],
  coverageReporters: ['text-summary'],
};
