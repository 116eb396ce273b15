/**
 * The web UI as an HTTP plugin of the composition root: built on the same runtime (verification
 * service, user and app-password services, attempt bus, script registry, prompt library) as the
 * REST API, so both answer from one set of rules and one set of rate limits.
 */
import type { FastifyInstance } from 'fastify';
import { apiRuntime } from '../app/api-runtime';
import type { AppContext } from '../app/context';
import { sharedLoginThrottle } from '../app/login-throttle';
import { radiusStatus } from '../app/radius-runtime';
import { textLanguage } from '../domain/call-outcomes';
import { employeeSignInFromConfig } from '../integrations/employee-signin/from-config';
import { entraAdminView } from '../integrations/entra/admin-view';
import { draftTestCalls } from '../services/scripts/test-call';
import { adminWeb } from './admin-wiring';
import { SessionStore } from './http/sessions';
import { registerWebUi } from './register';
import { serviceActions } from './service-actions';
import { sessionSecret } from './session-secret';
import { createWebServices } from './wiring';

export function webHttpPlugin(ctx: AppContext): { name: string; plugin: (app: FastifyInstance) => Promise<void> } {
  return {
    name: 'web',
    plugin: async (app: FastifyInstance) => {
      const rt = apiRuntime(ctx);
      const { config } = ctx;
      await registerWebUi(app, {
        services: createWebServices({
          db: ctx.store.db,
          actions: serviceActions(rt),
          defaultCountry: config.homeCountry,
          health: () => ctx.backend.health(),
          scripts: () => rt.scripts,
          prompts: rt.prompts,
          previewVars: { company: config.companyName, extension: '1234' },
          radius: () => radiusStatus(ctx),
          nodeLeaseMs: config.node.leaseSeconds * 1000,
          countryChoice: {
            allowed: config.policy.allowedCountries.length ? config.policy.allowedCountries : [config.homeCountry],
            mode: config.countryList,
          },
        }),
        admin: adminWeb(rt),
        defaultLanguage: textLanguage(config.defaultLanguage),
        // Behind a TLS-terminating proxy, `http.trustProxy` makes `req.protocol` https and the cookies Secure.
        secureCookies: 'auto',
        // issue 18a: sessions in the database, signed with http.sessionSecret, survive a restart.
        sessions: new SessionStore({
          db: ctx.store.db,
          secret: sessionSecret(config.http.sessionSecret, config.dataDir),
          idleMs: config.http.sessionIdleMinutes * 60_000,
          absoluteMs: config.http.sessionAbsoluteHours * 3_600_000,
        }),
        // Issue 19: failed admin keys and employee passwords count across every node on this database.
        loginThrottle: sharedLoginThrottle(ctx, 'web'),
        entraAdmin: () => entraAdminView(ctx),
        scriptEditor: () => rt.ivrScripts,
        scriptTestCall: () => draftTestCalls(ctx.store, rt.ivrScripts, rt.verification),
        // issue 18a: employees sign in again by OpenID Connect and/or LDAP; company name + logo on every page.
        employeeSignIn: employeeSignInFromConfig(
          config,
          ctx.store.db,
          ctx.logger,
          config.http.publicUrl ?? `http://${config.http.address}:${config.http.port}`,
        ),
        branding: { companyName: config.companyName, logoFile: config.employeeSignIn.logoFile },
      });
    },
  };
}
