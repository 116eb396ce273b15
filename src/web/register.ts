/**
 * Mounts the web UI on the HTTP server: `/enroll/:token` and `/me/**` (self-service), `/admin/**`,
 * and `/ui/assets/*`. Everything runs in one encapsulated Fastify plugin so its hooks (security
 * headers, form parsing) do not touch the REST API's routes.
 */
import type { FastifyInstance } from 'fastify';
import type { LoginThrottle } from '../domain/login-throttle';
import type { EmployeeSignIn } from '../integrations/employee-signin/types';
import type { AdminWeb } from './admin-ports';
import { registerAssets } from './assets';
import { type Branding, registerBranding } from './branding';
import { registerFormParser } from './http/form';
import { SessionStore } from './http/sessions';
import type { UiLanguage } from './i18n';
import type { EntraAdminView } from './pages/admin-entra';
import type { WebServices } from './ports';
import { registerAdmin } from './routes/admin';
import { registerAdminEntra } from './routes/admin-entra';
import { registerAdminPeople } from './routes/admin-people';
import { registerAdminScripts } from './routes/admin-scripts';
import { registerAdminSecurity } from './routes/admin-security';
import { registerHome } from './routes/home';
import { registerLive } from './routes/live';
import { registerSelfService } from './routes/self-service';
import type { WebDeps } from './routes/shared';
import { registerSignIn } from './routes/signin';
import type { ScriptEditorPort, ScriptTestCallPort } from './script-editor-port';

export interface WebUiOptions {
  readonly services: WebServices;
  /** Admin people/keys operations (users by status, bulk links and e-mail, fraud, audit, keys). */
  readonly admin: AdminWeb;
  readonly defaultLanguage?: UiLanguage;
  readonly secureCookies?: 'auto' | 'always' | 'never';
  readonly sessions?: SessionStore;
  readonly now?: () => number;
  /** The IVR script editor's service (issue 15); without it the scripts pages say they are unavailable. */
  readonly scriptEditor?: () => ScriptEditorPort | undefined;
  /** The editor's "Test call" running the draft (issue 15). */
  readonly scriptTestCall?: () => ScriptTestCallPort | undefined;
  /** Delays for failed admin logins (tests pass one with a fake clock). */
  readonly loginThrottle?: LoginThrottle;
  /** Data for the admin "Entra ID" page (the EAM door); without it the page says the door is off. */
  readonly entraAdmin?: () => EntraAdminView | Promise<EntraAdminView>;
  /** issue 18a: employee sign-in doors (OpenID Connect, LDAP); without them only enrollment links sign in. */
  readonly employeeSignIn?: EmployeeSignIn;
  /** issue 18a: company name and logo in every page's header. */
  readonly branding?: Branding;
}

/**
 * CSP without 'unsafe-inline': pages use no inline script or style attribute, so an injected
 * attribute could not run even if escaping ever failed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export async function registerWebUi(app: FastifyInstance, options: WebUiOptions): Promise<void> {
  const deps: WebDeps = {
    services: options.services,
    admin: options.admin,
    sessions: options.sessions ?? new SessionStore(),
    defaultLanguage: options.defaultLanguage ?? 'sv',
    secureCookies: options.secureCookies ?? 'auto',
    now: options.now ?? Date.now,
    ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
    ...(options.employeeSignIn ? { employeeSignIn: options.employeeSignIn } : {}),
  };
  await app.register(async (web) => {
    registerFormParser(web);
    web.addHook('onSend', async (_req, reply, payload) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('x-frame-options', 'DENY');
      // Enrollment links carry a token in the URL: never send it to another site. (`no-referrer`
      // would also make browsers send `Origin: null` on our own form posts.)
      reply.header('referrer-policy', 'same-origin');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });
    registerAssets(web);
    registerBranding(web, options.branding);
    registerSignIn(web, deps, options.employeeSignIn);
    registerSelfService(web, deps);
    registerLive(web, deps);
    registerAdmin(web, deps);
    registerAdminEntra(web, deps, options.entraAdmin);
    registerAdminScripts(web, deps, options.scriptEditor, options.scriptTestCall);
    registerAdminPeople(web, deps, options.admin);
    registerAdminSecurity(web, deps, options.admin);
    registerHome(web, deps);
  });
}
