/**
 * `node -r ./test/support/swc-register.js src/cli/main.ts …` runs the TypeScript sources directly
 * (compiled in memory by SWC, like jest does), so CLI tests need no `npm run build` first.
 */
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
