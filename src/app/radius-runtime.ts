/**
 * The RADIUS door as an app service: built from `radius.*` in the config on the same verification
 * service, attempt bus and metrics registry as the REST API, so calls it places share the queue,
 * the destination policy and the rate limits. Off unless `radius.enabled`.
 */

import type { RadiusMode } from '../domain/radius/client-rules';
import { auditAnswered, type RadiusRequestView, recentRadiusRequests } from '../radius/audit';
import { ClientTable, loadClients } from '../radius/clients';
import { RadiusDoor } from '../radius/door';
import { createRadiusMetrics } from '../radius/metrics';
import { SYSTEM_CLOCK } from '../radius/ports';
import { RadiusServer } from '../radius/server';
import { serviceVerifier, storeUserDirectory } from '../radius/service-adapters';
import { apiRuntime } from './api-runtime';
import type { AppContext } from './context';
import type { AppService } from './registry';

export interface RadiusStatus {
  readonly enabled: boolean;
  /** `address:port` while listening. */
  readonly listening: string | null;
  readonly clients: readonly {
    readonly name: string;
    readonly address: string;
    readonly mode: RadiusMode;
    readonly allowedUsers: readonly string[];
    readonly requireMessageAuthenticator: boolean;
    readonly secretSource: string;
  }[];
  readonly recent: readonly RadiusRequestView[];
}

type LdapModule = typeof import('../radius/ldap');

const running = new WeakMap<AppContext, { server: RadiusServer; listening: string }>();

/** What the admin page shows: the clients (never their secrets) and the latest requests. */
export function radiusStatus(ctx: AppContext): RadiusStatus {
  const r = ctx.config.radius;
  return {
    enabled: r.enabled,
    listening: running.get(ctx)?.listening ?? null,
    clients: r.clients.map((c) => ({
      name: c.name,
      address: c.address,
      mode: c.mode,
      allowedUsers: c.allowedUsers,
      requireMessageAuthenticator: c.requireMessageAuthenticator,
      secretSource: c.secretEnv ? `env ${c.secretEnv}` : `file ${c.secretFile ?? ''}`,
    })),
    recent: recentRadiusRequests(ctx.store, 50),
  };
}

/** The listening address of a running door (tests started with port 0 read it here). */
export function radiusAddress(ctx: AppContext): string | null {
  return running.get(ctx)?.listening ?? null;
}

export function radiusAppService(ctx: AppContext): AppService {
  return {
    name: 'radius',
    async start() {
      const r = ctx.config.radius;
      if (!r.enabled) return;
      const rt = apiRuntime(ctx);
      const log = ctx.logger.child({ component: 'radius' });
      const clients = new ClientTable(loadClients(r.clients));
      // ldapts is loaded only where a directory is configured (start-up time of every other serve).
      const ldap = r.ldap.url
        ? new (require('../radius/ldap') as LdapModule).LdapPasswordChecker(
            {
              url: r.ldap.url,
              bindDnTemplate: r.ldap.bindDnTemplate,
              searchBase: r.ldap.searchBase,
              searchFilter: r.ldap.searchFilter,
              searchBindDn: r.ldap.searchBindDn,
              searchBindPassword: r.ldap.searchBindPassword,
              timeoutMs: r.ldap.timeoutSeconds * 1000,
            },
            log,
          )
        : undefined;
      const door = new RadiusDoor({
        users: storeUserDirectory(ctx.store),
        verifier: serviceVerifier(rt.verification, rt.bus, ctx.store),
        ...(ldap ? { passwords: ldap } : {}),
        clock: SYSTEM_CLOCK,
        answerTimeoutMs: r.answerTimeoutSeconds * 1000,
        challengeTtlMs: r.challengeTtlSeconds * 1000,
        defaultLanguage: ctx.config.defaultLanguage,
      });
      const server = new RadiusServer({
        clients,
        door,
        metrics: createRadiusMetrics(rt.metrics.registry),
        log,
        clock: SYSTEM_CLOCK,
        duplicateWindowMs: r.duplicateWindowSeconds * 1000,
        onAnswered: (a) => {
          try {
            auditAnswered(ctx.store, a);
          } catch (err) {
            log.error({ err }, 'could not write the RADIUS audit entry');
          }
        },
      });
      const at = await server.listen(r.address, r.port);
      const listening = `${at.address.includes(':') ? `[${at.address}]` : at.address}:${at.port}`;
      running.set(ctx, { server, listening });
      log.info({ listening, clients: clients.clients.map((c) => `${c.name} (${c.mode})`) }, 'RADIUS door listening');
    },
    async stop() {
      const r = running.get(ctx);
      running.delete(ctx);
      await r?.server.close();
    },
  };
}
