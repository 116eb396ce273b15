#!/usr/bin/env node
/**
 * Bundles the browser code of the web UI (the admin's script editor: CodeMirror 6 and our own code)
 * into src/web/assets/script-editor.js, which the server serves from its own origin. Run by
 * `npm run build` (and so by `npm start` and `npm test`); the output is not committed.
 */
const { build } = require('esbuild');
const { join } = require('node:path');

const root = join(__dirname, '..');

async function buildWebAssets() {
  await build({
    entryPoints: [join(root, 'src/web/client/script-editor.mjs')],
    outfile: join(root, 'src/web/assets/script-editor.js'),
    bundle: true,
    format: 'iife',
    minify: true,
    target: ['chrome100', 'firefox100', 'safari15'],
    legalComments: 'linked',
    logLevel: 'warning',
  });
}

module.exports = { buildWebAssets };

if (require.main === module) {
  buildWebAssets().catch((err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  });
}
