/**
 * Removing secrets from text that is logged or stored: SIP auth header values, bearer tokens.
 * Used by the logger and the attempt trace store as a second line of defence behind the backends.
 */

// Authorization / Proxy-Authorization / WWW-Authenticate responses carry a digest `response=` and
// sometimes a password-equivalent; keep the scheme and username (useful when debugging auth) only.
const AUTH_HEADER = /\b((?:Proxy-)?Authorization[ \t]*:[ \t]*)(\S+)([^\r\n]*)/gi;

export function redactSipText(raw: string): string {
  return raw.replace(AUTH_HEADER, (_all, head: string, scheme: string, rest: string) => {
    const user = /username="([^"]*)"/i.exec(rest)?.[1];
    return `${head}${scheme} ${user !== undefined ? `username="${user}", ` : ''}[REDACTED]`;
  });
}

const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/g;

export function redactTokens(text: string): string {
  return text.replace(BEARER, '$1 [REDACTED]');
}

/** Query parameters that carry credentials (OAuth/OIDC codes, tokens, hints) — values dropped from logged URLs. */
const SECRET_QUERY =
  /([?&](?:code|state|nonce|token|id_token|id_token_hint|access_token|refresh_token|client_secret|password|code_verifier)=)[^&#]*/gi;
/** Path segments that are credentials: the enrollment link's token. */
const SECRET_PATH = /(\/enroll\/)[^/?#]+/g;

/** A request URL fit for the access log: credentials in the query or path replaced (issue 18a). */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]').replace(SECRET_PATH, '$1[REDACTED]');
}
