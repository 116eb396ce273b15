/**
 * A fyrkant web server for the employee sign-in tests (issue 18a): real SQLite file, real session
 * store on it, the employee sign-in doors against a real OpenID provider process and a real slapd,
 * on a fixed-for-the-run free port so it can be stopped and started again (a restart) with the same
 * database and the browser's cookies still pointing at it. The write side is the scripted double.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { LoginThrottle } from '../../../src/domain/login-throttle';
import { DestinationPolicy } from '../../../src/domain/policy';
import { matchUserByName } from '../../../src/integrations/employee-signin/from-config';
import { LdapSignIn, type LdapSignInOptions } from '../../../src/integrations/employee-signin/ldap';
import { OidcSignIn, type OidcSignInOptions } from '../../../src/integrations/employee-signin/oidc';
import type { EmployeeSignIn } from '../../../src/integrations/employee-signin/types';
import { createLogger } from '../../../src/log';
import { phonePort } from '../../../src/services/adapters/phone-policy';
import { UserService } from '../../../src/services/users/service';
import { openStore, type Store } from '../../../src/store/open';
import { adminWeb } from '../../../src/web/admin-wiring';
import { SessionStore } from '../../../src/web/http/sessions';
import { registerWebUi } from '../../../src/web/register';
import { createWebServices } from '../../../src/web/wiring';
import { testPolicyOptions } from '../../support/api-harness';
import { ScriptedActions } from './scripted-actions';

export const SESSION_SECRET = 'signin-rig-session-secret-0123456789abcdef';
export const IDLE_MS = 30 * 60_000;
export const ABSOLUTE_MS = 8 * 3600_000;

export interface SignInRigOptions {
  readonly port: number;
  readonly oidc?: Omit<OidcSignInOptions, 'redirectUri' | 'timeoutMs' | 'label' | 'scopes'> &
    Partial<Pick<OidcSignInOptions, 'scopes'>>;
  readonly ldap?: Omit<LdapSignInOptions, 'timeoutMs'>;
  /** The sessions' clock (the test moves it); the rest of the server uses real time. */
  readonly now: () => number;
  /** Company logo file for the header (branding). */
  readonly logoFile?: string;
  /** The password-guessing brake (a fake clock in tests that check it). */
  readonly loginThrottle?: LoginThrottle;
}

export interface SignInRig {
  readonly baseUrl: string;
  store: Store;
  /** The scripted write side of the running server (enrollment links live in it). */
  actions: ScriptedActions;
  /** Handler errors (a test asserts none: bad input never crashes). */
  readonly errors: unknown[];
  /** Every log line the server wrote (the product's logger at debug level), to check for secrets. */
  readonly logs: string[];
  start(): Promise<void>;
  /** Stops the server and closes the database, then opens both again: everything in memory is gone. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startSignInRig(o: SignInRigOptions): Promise<SignInRig> {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-signin-'));
  const dbPath = join(dir, 'fyrkant.db');
  const baseUrl = `http://127.0.0.1:${o.port}`;
  const errors: unknown[] = [];
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  let app: FastifyInstance | undefined;
  const rig: SignInRig = {
    baseUrl,
    store: openStore({ path: dbPath }),
    actions: undefined as unknown as ScriptedActions,
    errors,
    logs,
    async start() {
      const db = rig.store.db;
      rig.actions = new ScriptedActions(db);
      const doors: EmployeeSignIn = {
        ...(o.oidc
          ? {
              oidc: new OidcSignIn(
                {
                  scopes: ['openid', 'profile', 'email', 'groups'],
                  ...o.oidc,
                  redirectUri: `${baseUrl}/me/signin/oidc/callback`,
                  label: null,
                  timeoutMs: 5000,
                },
                log,
              ),
            }
          : {}),
        ...(o.ldap ? { ldap: new LdapSignIn({ ...o.ldap, timeoutMs: 5000 }, log) } : {}),
        matchUser: (name) => matchUserByName(db, name),
      };
      // The same logger set-up as src/http/server.ts.
      const server = Fastify({ loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger });
      server.addHook('onError', async (_req, _reply, err) => {
        errors.push(err);
        process.stderr.write(`signin rig: handler error: ${err.stack ?? err.message}\n`);
      });
      await registerWebUi(server, {
        services: createWebServices({ db, actions: rig.actions, defaultCountry: 'SE' }),
        defaultLanguage: 'sv',
        sessions: new SessionStore({
          db,
          secret: SESSION_SECRET,
          idleMs: IDLE_MS,
          absoluteMs: ABSOLUTE_MS,
          now: o.now,
        }),
        admin: adminWeb({
          store: rig.store,
          users: new UserService(rig.store, phonePort(new DestinationPolicy(testPolicyOptions())), {
            enrollmentLinkTtlMs: 7 * 86_400_000,
            bypassTtlMs: 300_000,
            publicBaseUrl: baseUrl,
          }),
        }),
        employeeSignIn: doors,
        ...(o.loginThrottle ? { loginThrottle: o.loginThrottle } : {}),
        branding: { companyName: 'Exempel AB', logoFile: o.logoFile ?? null },
      });
      await server.listen({ host: '127.0.0.1', port: o.port });
      app = server;
    },
    async restart() {
      await app?.close();
      rig.store.close();
      rig.store = openStore({ path: dbPath });
      await rig.start();
    },
    async close() {
      await app?.close();
      rig.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await rig.start();
  return rig;
}
