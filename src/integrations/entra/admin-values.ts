/** The exact values an admin pastes into Entra, from the configuration (admin page, CLI, docs). */
import type { Config } from '../../config/schema';
import { eamSettings, eamUrls } from './settings';

export interface EntraValues {
  readonly enabled: boolean;
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly jwksUrl: string;
  /** The authorization endpoint: the app registration's reply (redirect) URL. */
  readonly replyUrl: string;
  readonly clients: readonly { clientId: string; appId: string; tenants: readonly string[] }[];
  readonly graphBody: (c: { clientId: string; appId: string }) => Record<string, unknown>;
}

export function eamEntraValues(config: Config): EntraValues {
  const s = eamSettings(config);
  const u = eamUrls(s.issuer);
  return {
    enabled: config.entraEam.enabled,
    issuer: s.issuer,
    discoveryUrl: u.discovery,
    jwksUrl: u.jwks,
    replyUrl: u.authorize,
    clients: s.clients.map((c) => ({ clientId: c.clientId, appId: c.appId, tenants: c.tenants })),
    graphBody: (c) => ({
      '@odata.type': '#microsoft.graph.externalAuthenticationMethodConfiguration',
      displayName: `${config.companyName} – phone (fyrkant)`,
      state: 'enabled',
      appId: c.appId,
      openIdConnectSetting: { clientId: c.clientId, discoveryUrl: u.discovery },
      includeTargets: [{ targetType: 'group', id: 'all_users' }],
    }),
  };
}
