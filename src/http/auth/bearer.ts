/**
 * Bearer API-key authentication and scope checks for every non-public route.
 * 401 = no or unknown key (with `WWW-Authenticate: Bearer`), 403 = known key without the scope.
 */
import { type ApiKeyScope, scopeAllows } from '../../domain/api-keys/key';
import { ApiError } from '../api/errors';
import type { ApiKeyVerifier, ApiPrincipal } from './principal';

const BEARER_RE = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

function unauthorized(message: string): ApiError {
  return new ApiError(401, 'unauthorized', message, {}, { 'www-authenticate': 'Bearer realm="fyrkant"' });
}

export async function authenticate(
  authorization: string | undefined,
  required: ApiKeyScope,
  verify: ApiKeyVerifier,
): Promise<ApiPrincipal> {
  if (!authorization) throw unauthorized('an API key is required (Authorization: Bearer <key>)');
  const m = BEARER_RE.exec(authorization);
  if (!m) throw unauthorized('the Authorization header must be "Bearer <key>"');
  const principal = await verify(m[1]!);
  if (!principal) throw unauthorized('unknown or revoked API key');
  if (!scopeAllows(principal.scopes, required))
    throw new ApiError(403, 'forbidden', `this API key lacks the '${required}' scope`);
  return principal;
}
