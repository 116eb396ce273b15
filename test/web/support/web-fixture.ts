/**
 * A Fastify server with the web UI on 127.0.0.1 (OS-chosen port), a real SQLite file in a temp
 * dir, and the scripted service double. `close()` in afterAll.
 */

import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { LoginThrottle } from '../../../src/domain/login-throttle';
import { DestinationPolicy } from '../../../src/domain/policy';
import { loadScripts, PromptLibrary, type ScriptRegistry } from '../../../src/ivr';
import { phonePort } from '../../../src/services/adapters/phone-policy';
import { BulkMailService } from '../../../src/services/mail/bulk-mail';
import { type SmtpSettings, smtpSender } from '../../../src/services/mail/sender';
import { ScriptService } from '../../../src/services/scripts/service';
import { UserService } from '../../../src/services/users/service';
import { openStore, type Store } from '../../../src/store/open';
import { adminWeb } from '../../../src/web/admin-wiring';
import { registerWebUi } from '../../../src/web/register';
import { createWebServices } from '../../../src/web/wiring';
import { testPolicyOptions } from '../../support/api-harness';
import { ScriptedActions } from './scripted-actions';

export interface WebFixture {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly actions: ScriptedActions;
  /** The real admin services on the fixture's database (bulk mail, user admin). */
  readonly mail: BulkMailService;
  readonly scripts: ScriptRegistry;
  readonly baseUrl: string;
  /** Errors the server's handlers threw (a test may assert there are none). */
  readonly errors: unknown[];
  close(): Promise<void>;
}

export interface WebFixtureOptions {
  /** Send enrollment e-mails through this SMTP server (a real one in the tests: aiosmtpd). */
  readonly smtp?: SmtpSettings;
  /** Delays for failed admin logins (tests pass one with a fake clock). */
  readonly loginThrottle?: LoginThrottle;
}

export async function startWebFixture(options: WebFixtureOptions = {}): Promise<WebFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-web-'));
  const store = openStore({ path: join(dir, 'fyrkant.db') });
  const actions = new ScriptedActions(store.db);
  // The shipped verification script plus one with mistakes, so the scripts page has both kinds.
  const scriptDir = join(dir, 'scripts');
  mkdirSync(scriptDir);
  const repoScripts = resolve(__dirname, '..', '..', '..', 'ivr-scripts');
  copyFileSync(join(repoScripts, 'office-phone-verify.yaml'), join(scriptDir, 'office-phone-verify.yaml'));
  writeFileSync(join(scriptDir, 'broken.yaml'), BROKEN_SCRIPT);
  const scripts = await loadScripts(scriptDir);
  const prompts = new PromptLibrary({ cacheDir: join(dir, 'prompt-cache') });
  const scriptService = new ScriptService({
    db: store.db,
    scriptsDir: scriptDir,
    prompts,
    uses: {
      enrollment: 'office-phone-verify',
      'sign-in': 'signin-approve',
      test: 'office-phone-verify',
      pin: 'pin-verify',
    },
    recordingsDir: join(dir, 'prompt-cache', 'recordings'),
    previewVars: { company: 'Exempel AB', extension: '1234' },
  });
  scriptService.attach(scripts);
  // The admin operations run on the real services (only calls are scripted).
  const users = new UserService(store, phonePort(new DestinationPolicy(testPolicyOptions())), {
    enrollmentLinkTtlMs: 7 * 86_400_000,
    bypassTtlMs: 300_000,
    publicBaseUrl: 'http://127.0.0.1',
  });
  const mail = new BulkMailService(store, users, options.smtp ? smtpSender(options.smtp) : undefined, {
    company: 'Exempel AB',
  });
  const app = Fastify({ logger: false });
  const errors: unknown[] = [];
  app.addHook('onError', async (_req, _reply, err) => {
    errors.push(err);
    process.stderr.write(`web fixture: handler error: ${err.stack ?? err.message}\n`);
  });
  await registerWebUi(app, {
    services: createWebServices({
      db: store.db,
      actions,
      defaultCountry: 'SE',
      scripts: () => scripts,
      prompts,
      previewVars: { company: 'Exempel AB', extension: '1234' },
      health: async () => ({
        backend: 'embedded',
        connected: true,
        trunk: 'reachable',
        activeCalls: 0,
        checkedAt: Date.now(),
      }),
    }),
    admin: adminWeb({ store, users, mail }),
    defaultLanguage: 'sv',
    scriptEditor: () => scriptService,
    ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    app,
    store,
    actions,
    mail,
    scripts,
    baseUrl: `http://127.0.0.1:${port}`,
    errors,
    close: async () => {
      await mail.idle();
      await app.close();
      scripts.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A script with an unknown verb and a prompt missing a language: errors and warnings with lines. */
const BROKEN_SCRIPT = `description: broken on purpose (web UI test)
language: en-US
prompts:
  hello:
    en-US: Hello.
steps:
  - play: hello
  - dance: wildly
  - play: missing-prompt
`;
