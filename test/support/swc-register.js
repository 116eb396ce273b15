/**
 * `node -r ./test/support/swc-register.js src/cli/main.ts …` runs the TypeScript sources directly
 * (compiled in memory by SWC, like jest does), so CLI tests need no `npm run build` first.
 * Compiled files are cached by content hash under node_modules/.cache so repeated spawns stay fast.
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');
const { transformSync, version } = require('@swc/core');

const cacheDir = join(__dirname, '..', '..', 'node_modules', '.cache', 'fyrkant-swc');
try {
  mkdirSync(cacheDir, { recursive: true });
} catch {
  // no cache: compile every time
}

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = readFileSync(filename, 'utf8');
  const key = createHash('sha1').update(version).update(filename).update(source).digest('hex');
  const cached = join(cacheDir, `${key}.js`);
  let code;
  try {
    code = readFileSync(cached, 'utf8');
  } catch {
    code = transformSync(source, {
      filename,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    }).code;
    try {
      // Write then rename: parallel test workers never read a half-written file.
      const tmp = `${cached}.${process.pid}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, cached);
    } catch {
      // cache is best effort
    }
  }
  module._compile(code, filename);
};
