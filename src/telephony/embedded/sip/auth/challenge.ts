/** WWW-Authenticate / Proxy-Authenticate challenges (RFC 3261 §22, RFC 7616 / RFC 8760). */
import { isToken, isWsp } from '../message/charset';
import { readQuoted } from '../message/lists';

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | undefined;
  /** Upper-case: MD5, MD5-SESS, SHA-256, SHA-256-SESS (others are not supported). */
  readonly algorithm: string;
  /** qop options offered, lower-case. */
  readonly qop: readonly string[];
  readonly stale: boolean;
}

/** `scheme 1*SP auth-param *(COMMA auth-param)` into a scheme and lower-cased parameter names. */
export function parseAuthParams(value: string): { scheme: string; params: Map<string, string> } | undefined {
  let i = 0;
  while (i < value.length && isWsp(value.charCodeAt(i))) i++;
  const s0 = i;
  while (i < value.length && !isWsp(value.charCodeAt(i))) i++;
  const scheme = value.slice(s0, i);
  if (!isToken(scheme)) return undefined;
  const params = new Map<string, string>();
  while (i < value.length) {
    while (i < value.length && (isWsp(value.charCodeAt(i)) || value.charCodeAt(i) === 0x2c)) i++;
    if (i >= value.length) break;
    const n0 = i;
    while (i < value.length && value.charCodeAt(i) !== 0x3d && !isWsp(value.charCodeAt(i))) i++;
    const name = value.slice(n0, i).toLowerCase();
    if (!isToken(name)) return undefined;
    while (i < value.length && isWsp(value.charCodeAt(i))) i++;
    if (value.charCodeAt(i) !== 0x3d) return undefined;
    i++;
    while (i < value.length && isWsp(value.charCodeAt(i))) i++;
    if (value.charCodeAt(i) === 0x22) {
      const q = readQuoted(value, i);
      if (!q) return undefined;
      params.set(name, q.value);
      i = q.end;
    } else {
      const v0 = i;
      while (i < value.length && value.charCodeAt(i) !== 0x2c && !isWsp(value.charCodeAt(i))) i++;
      params.set(name, value.slice(v0, i));
    }
  }
  return { scheme, params };
}

const SUPPORTED = new Set(['MD5', 'MD5-SESS', 'SHA-256', 'SHA-256-SESS']);

/** A Digest challenge we can answer, or undefined (other scheme, unknown algorithm, no qop we do). */
export function parseDigestChallenge(value: string): DigestChallenge | undefined {
  const parsed = parseAuthParams(value);
  if (parsed?.scheme.toLowerCase() !== 'digest') return undefined;
  const p = parsed.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined || nonce === undefined) return undefined;
  const algorithm = (p.get('algorithm') ?? 'MD5').toUpperCase();
  if (!SUPPORTED.has(algorithm)) return undefined;
  const qop = (p.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter((q) => q.length > 0);
  // Only qop=auth is implemented: a challenge insisting on auth-int alone cannot be answered.
  if (qop.length > 0 && !qop.includes('auth')) return undefined;
  return { realm, nonce, opaque: p.get('opaque'), algorithm, qop, stale: p.get('stale')?.toLowerCase() === 'true' };
}

/** Pick the strongest challenge we support among several header values (RFC 8760 §2.4: prefer SHA-256). */
export function pickChallenge(values: readonly string[]): DigestChallenge | undefined {
  let best: DigestChallenge | undefined;
  for (const v of values) {
    const c = parseDigestChallenge(v);
    if (!c) continue;
    if (!best || (c.algorithm.startsWith('SHA-256') && !best.algorithm.startsWith('SHA-256'))) best = c;
  }
  return best;
}

/**
 * Why none of `values` can be answered, in words for the attempt's reason: a digest challenge that
 * insists on qop=auth-int, an algorithm we do not implement, or another scheme.
 */
export function unsupportedChallengeReason(values: readonly string[]): string {
  const seen: string[] = [];
  for (const v of values) {
    const parsed = parseAuthParams(v);
    if (!parsed) continue;
    if (parsed.scheme.toLowerCase() !== 'digest') {
      seen.push(`scheme ${parsed.scheme}`);
      continue;
    }
    const algorithm = (parsed.params.get('algorithm') ?? 'MD5').toUpperCase();
    const qop = parsed.params.get('qop');
    if (!SUPPORTED.has(algorithm)) seen.push(`algorithm ${algorithm}`);
    else if (qop !== undefined && !/(^|,)\s*auth\s*(,|$)/i.test(qop)) seen.push(`qop=${qop.trim()}`);
  }
  if (seen.length === 0) return 'no supported digest challenge';
  return `the server asks for digest authentication fyrkant does not support (${seen.join(', ')}; supported: qop=auth or none, MD5/SHA-256)`;
}
