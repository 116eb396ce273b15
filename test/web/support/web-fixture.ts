/**
 * A Fastify server with the web UI on 127.0.0.1 (OS-chosen port), a real SQLite file in a temp
 * dir, and the scripted service double. `close()` in afterAll.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { openStore, type Store } from '../../../src/store/open';
import { registerWebUi } from '../../../src/web/register';
import { createWebServices } from '../../../src/web/wiring';
import { ScriptedActions } from './scripted-actions';

export interface WebFixture {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly actions: ScriptedActions;
  readonly baseUrl: string;
  /** Errors the server's handlers threw (a test may assert there are none). */
  readonly errors: unknown[];
  close(): Promise<void>;
}

export async function startWebFixture(): Promise<WebFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-web-'));
  const store = openStore({ path: join(dir, 'fyrkant.db') });
  const actions = new ScriptedActions(store.db);
  const app = Fastify({ logger: false });
  const errors: unknown[] = [];
  app.addHook('onError', async (_req, _reply, err) => {
    errors.push(err);
    process.stderr.write(`web fixture: handler error: ${err.stack ?? err.message}\n`);
  });
  await registerWebUi(app, {
    services: createWebServices({ db: store.db, actions, defaultCountry: 'SE' }),
    defaultLanguage: 'sv',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    app,
    store,
    actions,
    baseUrl: `http://127.0.0.1:${port}`,
    errors,
    close: async () => {
      await app.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
