/** Digest credentials (RFC 2617 / RFC 7616 as profiled for SIP by RFC 3261 §22.4 and RFC 8760). */
import { createHash, randomBytes } from 'node:crypto';
import type { DigestChallenge } from './challenge';

export interface DigestInput {
  readonly challenge: DigestChallenge;
  readonly username: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  /** Nonce count for this nonce (1 on first use). */
  readonly nc: number;
  /** Fixed cnonce for tests; random otherwise. */
  readonly cnonce?: string;
}

function hash(algorithm: string, data: string): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(data, 'utf8')
    .digest('hex');
}

/** The `response` value and the parameters that go with it. */
export function digestResponse(input: DigestInput): { response: string; cnonce: string; nc: string; qop?: string } {
  const { challenge: c, username, password, method, uri } = input;
  const qop = c.qop.includes('auth') ? 'auth' : undefined;
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const nc = input.nc.toString(16).padStart(8, '0');
  let ha1 = hash(c.algorithm, `${username}:${c.realm}:${password}`);
  if (c.algorithm.endsWith('-SESS')) ha1 = hash(c.algorithm, `${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = hash(c.algorithm, `${method}:${uri}`);
  const response = qop
    ? hash(c.algorithm, `${ha1}:${c.nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
    : hash(c.algorithm, `${ha1}:${c.nonce}:${ha2}`);
  return qop ? { response, cnonce, nc, qop } : { response, cnonce, nc };
}

/** The Authorization / Proxy-Authorization header value. */
export function buildAuthorization(input: DigestInput): string {
  const c = input.challenge;
  const r = digestResponse(input);
  const q = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
  let out = `Digest username=${q(input.username)}, realm=${q(c.realm)}, nonce=${q(c.nonce)}, uri=${q(input.uri)}, response=${q(r.response)}, algorithm=${c.algorithm === 'MD5' ? 'MD5' : c.algorithm}`;
  if (c.opaque !== undefined) out += `, opaque=${q(c.opaque)}`;
  if (r.qop) out += `, qop=${r.qop}, nc=${r.nc}, cnonce=${q(r.cnonce)}`;
  return out;
}
