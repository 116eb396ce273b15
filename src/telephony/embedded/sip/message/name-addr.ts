/**
 * `name-addr / addr-spec` followed by header parameters — the shape of From, To, Contact, Route,
 * Record-Route and P-Asserted-Identity values (RFC 3261 §20.10, §25.1).
 */
import { isToken, isWsp, skipWsp, trimEnd, trimWsp } from './charset';
import { readQuoted } from './lists';
import { type Params, parseParams } from './params';
import { parseUri, type Uri } from './uri';

export interface NameAddr {
  /** Display name, unquoted; undefined when absent. */
  readonly displayName: string | undefined;
  readonly uri: Uri;
  /** Header parameters (after `>` or, for an addr-spec, after the URI). */
  readonly params: Params;
  /** The `tag` parameter, if present. */
  readonly tag: string | undefined;
}

/** Parse one value. undefined when it violates the grammar (RFC 4475 §3.1.2.6, .13, .14, .15). */
export function parseNameAddr(value: string): NameAddr | undefined {
  const end = trimEnd(value, 0, value.length);
  let i = skipWsp(value, 0, end);
  if (i >= end) return undefined;
  let displayName: string | undefined;
  let uriText: string;
  let afterUri: number;
  const c = value.charCodeAt(i);
  if (c === 0x22) {
    const q = readQuoted(value, i);
    if (!q) return undefined;
    displayName = q.value;
    i = skipWsp(value, q.end, end);
    if (value.charCodeAt(i) !== 0x3c) return undefined;
  } else if (c !== 0x3c) {
    // Either `*(token LWS) <uri>` or a bare addr-spec: look for `<` among tokens.
    const lt = value.indexOf('<', i);
    if (lt >= 0 && lt < end) {
      const words = trimWsp(value.slice(i, lt));
      if (words.length > 0) {
        for (const w of words.split(/[ \t]+/)) if (!isToken(w)) return undefined;
        displayName = words;
      }
      i = lt;
    }
  }
  if (value.charCodeAt(i) === 0x3c) {
    const gt = value.indexOf('>', i + 1);
    if (gt < 0 || gt >= end + 1) return undefined;
    uriText = value.slice(i + 1, gt);
    // No LWS inside the angle brackets (RFC 4475 §3.1.2.14).
    if (uriText.length === 0 || isWsp(uriText.charCodeAt(0)) || isWsp(uriText.charCodeAt(uriText.length - 1))) {
      return undefined;
    }
    afterUri = gt + 1;
  } else {
    // addr-spec: the URI ends at the first `;` (parameters then belong to the header, RFC 3261 §20.10)
    // and may contain neither `,` nor `?` (RFC 4475 §3.1.2.12).
    let k = i;
    while (k < end) {
      const ch = value.charCodeAt(k);
      if (ch === 0x3b || isWsp(ch)) break;
      if (ch === 0x3f || ch === 0x2c) return undefined;
      k++;
    }
    uriText = value.slice(i, k);
    afterUri = k;
  }
  const uri = parseUri(uriText);
  if (!uri) return undefined;
  const params = parseParams(value, afterUri, end);
  if (!params) return undefined;
  const tag = params.get('tag');
  return { displayName, uri, params, tag: tag ?? undefined };
}
