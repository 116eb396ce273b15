/**
 * The EAM door's settings, derived once from the configuration: the issuer (exact string), the
 * registered clients, the redirect allow-list and Entra's key/issuer locations.
 */
import type { Config } from '../../config/schema';
import { ENTRA_REPLY_URLS } from './redirects';

export interface EamClient {
  /** The client_id Entra sends (chosen by the admin, pasted into Entra). */
  readonly clientId: string;
  /** The EAM app registration's Application ID. */
  readonly appId: string;
  /** Allowed tenant ids, lower case. */
  readonly tenants: readonly string[];
  /** Accepted `aud` values of the id_token_hint. */
  readonly hintAudiences: readonly string[];
}

export interface EamSettings {
  /** Character for character what discovery publishes and the id_token carries as `iss`. */
  readonly issuer: string;
  readonly clients: readonly EamClient[];
  readonly redirectUris: readonly string[];
  readonly entraJwksUrl: string;
  readonly entraIssuerTemplates: readonly string[];
  readonly entraCaFile: string | null;
  readonly userLinking: 'object-id' | 'object-id-then-upn';
  readonly timeoutMs: number;
  readonly hintMaxAgeMs: number;
  readonly idTokenLifetimeS: number;
  readonly maxCalls: number;
  readonly encryptionKey: string;
  readonly rotationDelayMs: number;
}

/** `https://host/path` without a trailing slash: the issuer is compared exactly, so normalise once. */
export function issuerOf(config: Config): string {
  const base =
    config.entraEam.issuer ??
    `${(config.http.publicUrl ?? `http://${config.http.address}:${config.http.port}`).replace(/\/+$/, '')}/oidc`;
  return base.replace(/\/+$/, '');
}

export function eamSettings(config: Config): EamSettings {
  const e = config.entraEam;
  return {
    issuer: issuerOf(config),
    clients: e.clients.map((c) => ({
      clientId: c.clientId,
      appId: c.appId,
      tenants: c.tenants.map((t) => t.toLowerCase()),
      hintAudiences: c.hintAudiences ?? [c.appId],
    })),
    redirectUris: [...ENTRA_REPLY_URLS, ...e.extraRedirectUris],
    entraJwksUrl: e.entra.jwksUrl,
    entraIssuerTemplates: e.entra.issuerTemplates,
    entraCaFile: e.entra.caFile,
    userLinking: e.userLinking,
    timeoutMs: e.timeoutSeconds * 1000,
    hintMaxAgeMs: e.hintMaxAgeSeconds * 1000,
    idTokenLifetimeS: e.idTokenLifetimeSeconds,
    maxCalls: e.maxCallsPerSignIn,
    encryptionKey: e.keys.encryptionKey ?? '',
    rotationDelayMs: e.keys.rotationDelayHours * 3_600_000,
  };
}

/** The provider's URLs, all under the issuer. */
export function eamUrls(issuer: string) {
  return {
    discovery: `${issuer}/.well-known/openid-configuration`,
    jwks: `${issuer}/jwks`,
    authorize: `${issuer}/authorize`,
  };
}
