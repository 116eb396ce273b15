/**
 * OpenID Connect sign-in for employees (OpenID Connect Core 1.0 §3.1, authorization code flow)
 * with PKCE (RFC 7636) via `openid-client`: discovery from the issuer URL, then the library checks
 * state, nonce, `iss` (and RFC 9207's `iss` parameter), audience, expiry and the ID token's
 * signature against the IdP's JWKS. Anything that does not check out is a refusal with a reason,
 * never an exception to the caller. Secrets (client secret, code, tokens) are never logged.
 */
import { type BaseClient, custom, errors, generators, Issuer, type TokenSet } from 'openid-client';
import type { Logger } from 'pino';
import type { IdentityResult, OidcPending, OidcSignInPort } from './types';

export interface OidcSignInOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly userClaim: string;
  readonly requiredGroup: string | null;
  readonly groupsClaim: string;
  readonly label: string | null;
  readonly timeoutMs: number;
}

export class OidcSignIn implements OidcSignInPort {
  private client: Promise<BaseClient> | undefined;
  readonly label: string | null;

  constructor(
    private readonly o: OidcSignInOptions,
    private readonly log: Logger,
  ) {
    this.label = o.label;
  }

  /** Discovery once; a failure is not cached, so the next sign-in tries again. */
  private getClient(): Promise<BaseClient> {
    if (!this.client) {
      const timeout = this.o.timeoutMs;
      custom.setHttpOptionsDefaults({ timeout });
      this.client = Issuer.discover(this.o.issuer).then(
        (issuer) =>
          new issuer.Client({
            client_id: this.o.clientId,
            ...(this.o.clientSecret ? { client_secret: this.o.clientSecret } : {}),
            redirect_uris: [this.o.redirectUri],
            response_types: ['code'],
            token_endpoint_auth_method: this.o.clientSecret ? 'client_secret_basic' : 'none',
          }),
      );
      this.client.catch(() => {
        this.client = undefined;
      });
    }
    return this.client;
  }

  async begin(): Promise<{ url: string; pending: OidcPending } | { error: string }> {
    try {
      const client = await this.getClient();
      const pending: OidcPending = {
        state: generators.state(),
        nonce: generators.nonce(),
        verifier: generators.codeVerifier(),
      };
      const url = client.authorizationUrl({
        scope: this.o.scopes.join(' '),
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: generators.codeChallenge(pending.verifier),
        code_challenge_method: 'S256',
      });
      return { url, pending };
    } catch (err) {
      const error = describe(err);
      this.log.warn({ issuer: this.o.issuer, error }, 'employee sign-in: OpenID provider discovery failed');
      return { error };
    }
  }

  async finish(callbackUrl: string, pending: OidcPending): Promise<IdentityResult> {
    let client: BaseClient;
    try {
      client = await this.getClient();
    } catch (err) {
      return { ok: false, reason: 'unavailable', detail: describe(err) };
    }
    let tokens: TokenSet;
    try {
      const params = client.callbackParams(callbackUrl);
      tokens = await client.callback(this.o.redirectUri, params, {
        state: pending.state,
        nonce: pending.nonce,
        code_verifier: pending.verifier,
        response_type: 'code',
      });
    } catch (err) {
      return this.refusal(err);
    }
    let claims: Record<string, unknown> = tokens.claims();
    if (claims[this.o.userClaim] === undefined || (this.o.requiredGroup && claims[this.o.groupsClaim] === undefined)) {
      // Entra and others put some claims only in userinfo; its `sub` must match the ID token's.
      try {
        if (tokens.access_token) claims = { ...(await client.userinfo(tokens)), ...claims };
      } catch (err) {
        this.log.info({ error: describe(err) }, 'employee sign-in: userinfo not available');
      }
    }
    const name = claims[this.o.userClaim];
    if (typeof name !== 'string' || name === '')
      return { ok: false, reason: 'no-name', detail: `the ID token has no "${this.o.userClaim}" claim` };
    if (this.o.requiredGroup) {
      const groups = claims[this.o.groupsClaim];
      const list = Array.isArray(groups) ? groups.map(String) : typeof groups === 'string' ? [groups] : [];
      if (!list.includes(this.o.requiredGroup))
        return { ok: false, reason: 'not-in-group', detail: `not a member of ${this.o.requiredGroup}` };
    }
    return { ok: true, name };
  }

  private refusal(err: unknown): IdentityResult {
    const detail = describe(err);
    if (err instanceof errors.OPError) {
      this.log.info({ error: err.error }, 'employee sign-in: the OpenID provider refused');
      return { ok: false, reason: 'denied', detail };
    }
    if (err instanceof errors.RPError || err instanceof TypeError) {
      this.log.warn({ error: detail }, 'employee sign-in: OpenID Connect response refused');
      return { ok: false, reason: 'invalid-response', detail };
    }
    this.log.warn({ error: detail }, 'employee sign-in: OpenID provider not reachable');
    return { ok: false, reason: 'unavailable', detail };
  }
}

/** A safe one-line description: the library's message, never tokens or the client secret. */
function describe(err: unknown): string {
  if (err instanceof errors.OPError) return [err.error, err.error_description].filter(Boolean).join(': ');
  if (err instanceof Error) return err.message.slice(0, 300);
  return String(err).slice(0, 300);
}
