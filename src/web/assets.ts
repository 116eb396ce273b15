/**
 * The UI's static files (CSS, client script), read once at start and served from memory with a
 * content hash as ETag. They live next to the sources (`src/web/assets/`); from a build in `dist/`
 * the same folder is found through the package root, so there is no copy step to forget.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ASSET_BASE } from './layout';

const TYPES: Record<string, string> = {
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
};

/**
 * Bundles made by `scripts/build-web.js` (`npm run build`), not committed. Missing (a checkout that was
 * never built) they answer 404 and the pages that use them fall back to plain forms.
 */
const BUILT: Record<string, string> = {
  'script-editor.js': 'text/javascript; charset=utf-8',
};

export function assetsDir(): string {
  const candidates = [join(__dirname, 'assets'), resolve(__dirname, '..', '..', 'src', 'web', 'assets')];
  const found = candidates.find((d) => existsSync(join(d, 'app.css')));
  if (!found) throw new Error(`web UI assets not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function registerAssets(app: FastifyInstance): void {
  const dir = assetsDir();
  const files = new Map<string, { body: Buffer; etag: string; type: string }>();
  const present = Object.entries(BUILT).filter(([name]) => existsSync(join(dir, name)));
  for (const [name, type] of [...Object.entries(TYPES), ...present]) {
    const body = readFileSync(join(dir, name));
    files.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  app.get<{ Params: { file: string } }>(`${ASSET_BASE}/:file`, async (req, reply) => {
    const f = files.get(req.params.file);
    if (!f) return reply.code(404).type('text/plain').send('not found');
    reply.header('etag', f.etag).header('cache-control', 'public, max-age=300, must-revalidate');
    if (req.headers['if-none-match'] === f.etag) return reply.code(304).send();
    return reply.type(f.type).send(f.body);
  });
}
