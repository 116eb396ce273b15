/**
 * Checks the `id_token_hint` Entra sends: an RS256 JWS signed by a key from Entra's JWKS (fetched
 * over HTTPS, cached, fetched again when the token names an unknown `kid`), issued by an allowed
 * tenant's v2 issuer, for one of the client's hint audiences. Entra issues it already expired, so
 * `exp` is not checked — `iat` is, within `hintMaxAgeMs` (and not from the future).
 *
 * jose verifies the signature (compactVerify); the claim checks are ours because the usual JWT
 * validation would reject the expiry by design.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { compactVerify, createRemoteJWKSet, errors } from 'jose';
import type { EamClient } from './settings';

export interface HintClaims {
  readonly iss: string;
  readonly sub: string;
  readonly tid: string;
  readonly oid: string;
  readonly preferredUsername?: string;
}

export type HintProblemCode =
  | 'hint-malformed'
  | 'hint-signature'
  | 'hint-unknown-key'
  | 'hint-claims'
  | 'hint-tenant'
  | 'hint-issuer'
  | 'hint-audience'
  | 'hint-iat'
  | 'entra-keys-unavailable';

export type HintResult =
  | { readonly ok: true; readonly claims: HintClaims }
  | { readonly ok: false; readonly code: HintProblemCode; readonly detail: string };

export interface HintVerifierOptions {
  readonly jwksUrl: string;
  readonly issuerTemplates: readonly string[];
  readonly maxAgeMs: number;
  readonly caFile: string | null;
  /** Allowed clock skew for an `iat` in the future. */
  readonly skewMs?: number;
  /** Least time between two JWKS fetches caused by unknown key ids (default 30 s). */
  readonly refetchCooldownMs?: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class EntraHintVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly o: HintVerifierOptions) {
    const url = new URL(o.jwksUrl);
    const agent = o.caFile ? new Agent({ ca: [...rootCertificates, readFileSync(o.caFile, 'utf8')] }) : undefined;
    this.jwks = createRemoteJWKSet(url, {
      ...(agent ? { agent } : {}),
      timeoutDuration: 5000,
      // Entra rolls its keys; a token with an unknown kid triggers a fetch at most every 30 s.
      cooldownDuration: o.refetchCooldownMs ?? 30_000,
      cacheMaxAge: 12 * 3_600_000,
    });
  }

  async verify(token: string, client: EamClient, now: number): Promise<HintResult> {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token))
      return { ok: false, code: 'hint-malformed', detail: 'the id_token_hint is not a signed JWT (JWS compact form)' };
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, this.jwks, { algorithms: ['RS256'] }));
    } catch (err) {
      return { ok: false, ...signatureProblem(err) };
    }
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
      if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw new Error('not an object');
    } catch {
      return { ok: false, code: 'hint-malformed', detail: 'the id_token_hint payload is not a JSON object' };
    }
    return this.checkClaims(claims, client, now);
  }

  private checkClaims(c: Record<string, unknown>, client: EamClient, now: number): HintResult {
    const str = (k: string) => (typeof c[k] === 'string' && (c[k] as string).length > 0 ? (c[k] as string) : undefined);
    const missing = ['iss', 'sub', 'tid', 'oid', 'aud'].filter((k) =>
      k === 'aud' ? !(str(k) || Array.isArray(c.aud)) : !str(k),
    );
    if (typeof c.iat !== 'number') missing.push('iat');
    if (missing.length)
      return {
        ok: false,
        code: 'hint-claims',
        detail: `the id_token_hint lacks required claims: ${missing.join(', ')}`,
      };
    const tid = (str('tid') as string).toLowerCase();
    const oid = (str('oid') as string).toLowerCase();
    if (!GUID.test(tid) || !GUID.test(oid))
      return { ok: false, code: 'hint-claims', detail: 'tid and oid in the id_token_hint must be GUIDs' };
    if (!client.tenants.includes(tid))
      return { ok: false, code: 'hint-tenant', detail: `tenant ${tid} is not allowed for client ${client.clientId}` };
    const iss = str('iss') as string;
    const expected = this.o.issuerTemplates.map((t) => t.replace('{tenantId}', tid));
    if (!expected.includes(iss))
      return { ok: false, code: 'hint-issuer', detail: `issuer ${iss} is not an Entra issuer of tenant ${tid}` };
    const aud = Array.isArray(c.aud) ? c.aud.filter((a): a is string => typeof a === 'string') : [c.aud as string];
    if (!aud.some((a) => client.hintAudiences.includes(a)))
      return {
        ok: false,
        code: 'hint-audience',
        detail: `audience ${aud.join(', ')} is not the EAM app id (${client.hintAudiences.join(', ')})`,
      };
    const iatMs = (c.iat as number) * 1000;
    const skew = this.o.skewMs ?? 300_000;
    if (iatMs > now + skew || now - iatMs > this.o.maxAgeMs)
      return {
        ok: false,
        code: 'hint-iat',
        detail: `the id_token_hint was issued at ${new Date(iatMs).toISOString()}, outside the accepted window`,
      };
    const upn = str('preferred_username');
    return {
      ok: true,
      claims: { iss, sub: str('sub') as string, tid, oid, ...(upn ? { preferredUsername: upn } : {}) },
    };
  }
}

function signatureProblem(err: unknown): { code: HintProblemCode; detail: string } {
  if (err instanceof errors.JWKSNoMatchingKey)
    return { code: 'hint-unknown-key', detail: 'the id_token_hint is signed with a key Entra does not publish' };
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return { code: 'hint-signature', detail: 'the id_token_hint signature does not verify with Entra’s keys' };
  if (err instanceof errors.JOSEAlgNotAllowed)
    return { code: 'hint-signature', detail: 'the id_token_hint is not signed with RS256' };
  if (err instanceof errors.JWSInvalid || err instanceof errors.JOSENotSupported)
    return { code: 'hint-malformed', detail: `the id_token_hint is not a valid JWS (${(err as Error).message})` };
  return {
    code: 'entra-keys-unavailable',
    detail: `Entra's signing keys could not be fetched: ${err instanceof Error ? err.message : String(err)}`,
  };
}
