/**
 * End-to-end tests (`npm run test:e2e`): the example frontend and GraphiQL in Debian's Chromium,
 * headless, through playwright-core (CHROMIUM_PATH, default /usr/bin/chromium; no browser is
 * downloaded). Not part of `npm test`, which runs without a browser.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
  },
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  testTimeout: 60000,
  // One browser, one file at a time, on a 2-core machine.
  maxWorkers: 1,
};
