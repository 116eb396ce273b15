/**
 * Generic parameters: `*( SEMI generic-param )`, `generic-param = token [ EQUAL gen-value ]`,
 * `gen-value = token / host / quoted-string`, with LWS allowed around `;` and `=` (RFC 3261 §25.1).
 */
import { isToken, isWsp, skipWsp } from './charset';
import { quote, readQuoted } from './lists';

/** Parameter names are case-insensitive (stored lower-case); a value-less parameter maps to null. */
export type Params = Map<string, string | null>;

/**
 * Parse parameters from `s[i]`, which must be `;` or the end. Returns undefined on a syntax error
 * (empty parameter, bad token, unterminated quote).
 */
export function parseParams(s: string, i: number, end = s.length): Params | undefined {
  const params: Params = new Map();
  i = skipWsp(s, i, end);
  while (i < end) {
    if (s.charCodeAt(i) !== 0x3b) return undefined;
    i = skipWsp(s, i + 1, end);
    let j = i;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === 0x3b || c === 0x3d || isWsp(c)) break;
      j++;
    }
    const name = s.slice(i, j);
    if (!isToken(name)) return undefined;
    i = skipWsp(s, j, end);
    let value: string | null = null;
    if (i < end && s.charCodeAt(i) === 0x3d) {
      i = skipWsp(s, i + 1, end);
      if (i < end && s.charCodeAt(i) === 0x22) {
        const q = readQuoted(s, i);
        if (!q || q.end > end) return undefined;
        value = q.value;
        i = q.end;
      } else {
        let k = i;
        while (k < end && s.charCodeAt(k) !== 0x3b && !isWsp(s.charCodeAt(k))) k++;
        value = s.slice(i, k);
        // host values may be IPv6 references; otherwise a token.
        if (value.length === 0 || !(isToken(value) || isIpv6Ref(value))) return undefined;
        i = k;
      }
      i = skipWsp(s, i, end);
    }
    params.set(name.toLowerCase(), value);
  }
  return params;
}

function isIpv6Ref(v: string): boolean {
  if (v.charCodeAt(0) !== 0x5b || v.charCodeAt(v.length - 1) !== 0x5d) return false;
  for (let i = 1; i < v.length - 1; i++) {
    const c = v.charCodeAt(i);
    const ok =
      c === 0x3a || c === 0x2e || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
    if (!ok) return false;
  }
  return true;
}

export function formatParams(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${needsQuote(v) ? quote(v) : v}`;
  return out;
}

function needsQuote(v: string): boolean {
  return !isToken(v) && !isIpv6Ref(v);
}
