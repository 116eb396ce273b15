/** Jest runs TypeScript through SWC (fast, no type-check); `npm run typecheck` / `npm test` type-check with tsc. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  // Peer tests (sipp, baresip, kamailio, chromium) spawn real processes; two workers keep a 2-core machine responsive.
  maxWorkers: 2,
};
