/**
 * The opt-in suite against REAL drachtio-server + FreeSWITCH (`npm run test:drachtio-real`); its
 * files end in `.real.ts`, so the normal `npm test` (which runs `*.test.ts`) never picks them up.
 * Where the servers are comes from environment variables — see test/drachtio-real/real-env.ts.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/drachtio-real'],
  testMatch: ['**/*.real.ts'],
  testTimeout: 60000,
  maxWorkers: 1,
};
