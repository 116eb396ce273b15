/** Who is calling the API: an API key with its scopes. */
import type { ApiKeyScope } from '../../domain/api-keys/key';

export interface ApiPrincipal {
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
}

/** The audit-log actor for a principal. */
export function actorOf(principal: ApiPrincipal | null): string {
  return principal ? `apikey:${principal.keyId}` : 'anonymous';
}

/** Looks a presented key up (hash compare); undefined for unknown or revoked keys. */
export type ApiKeyVerifier = (key: string) => ApiPrincipal | undefined | Promise<ApiPrincipal | undefined>;
