/** SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966); other schemes are kept opaque. */
import {
  allIn,
  HNVCHAR,
  HOST,
  inTable,
  isDigit,
  PARAMCHAR,
  PASSWORD,
  parseUint,
  SCHEME,
  USER,
  unescapePercent,
} from './charset';
import type { Params } from './params';

export interface SipUri {
  readonly kind: 'sip';
  readonly scheme: 'sip' | 'sips';
  /** User part as written (still %-escaped); see `unescapePercent`. */
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Lower-cased host; IPv6 references keep their brackets. */
  readonly host: string;
  readonly port: number | undefined;
  readonly params: Params;
  /** The `?hname=hvalue&...` part without the `?`, as written. */
  readonly headers: string | undefined;
  /** The URI exactly as received/built. */
  readonly text: string;
}

export interface TelUri {
  readonly kind: 'tel';
  readonly scheme: 'tel';
  readonly number: string;
  readonly params: Params;
  readonly text: string;
}

export interface OtherUri {
  readonly kind: 'other';
  readonly scheme: string;
  readonly opaque: string;
  readonly text: string;
}

export type Uri = SipUri | TelUri | OtherUri;

/** Parse a URI; undefined when it does not follow the grammar of its scheme. */
export function parseUri(text: string): Uri | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const c0 = text.charCodeAt(0);
  if (!((c0 >= 0x41 && c0 <= 0x5a) || (c0 >= 0x61 && c0 <= 0x7a))) return undefined;
  for (let i = 1; i < colon; i++) if (!inTable(SCHEME, text.charCodeAt(i))) return undefined;
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSip(text, scheme, colon + 1);
  if (scheme === 'tel') return parseTel(text, colon + 1);
  const opaque = text.slice(colon + 1);
  if (opaque.length === 0) return undefined;
  for (let i = 0; i < opaque.length; i++) {
    const c = opaque.charCodeAt(i);
    // No whitespace, controls or the characters that delimit a URI in a header.
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return undefined;
  }
  return { kind: 'other', scheme, opaque, text };
}

function parseSip(text: string, scheme: 'sip' | 'sips', start: number): SipUri | undefined {
  let i = start;
  let user: string | undefined;
  let password: string | undefined;
  const at = text.indexOf('@', start);
  if (at >= 0) {
    const pw = text.indexOf(':', start);
    const userEnd = pw >= 0 && pw < at ? pw : at;
    if (!allIn(USER, text, start, userEnd)) return undefined;
    user = text.slice(start, userEnd);
    if (userEnd < at) {
      if (at > userEnd + 1 && !allIn(PASSWORD, text, userEnd + 1, at)) return undefined;
      password = text.slice(userEnd + 1, at);
    }
    i = at + 1;
  }
  const hostStart = i;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close < 0) return undefined;
    for (let k = i + 1; k < close; k++) {
      const c = text.charCodeAt(k);
      const ok = c === 0x3a || c === 0x2e || isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
      if (!ok) return undefined;
    }
    i = close + 1;
  } else {
    while (i < text.length && inTable(HOST, text.charCodeAt(i))) i++;
  }
  if (i === hostStart) return undefined;
  const host = text.slice(hostStart, i).toLowerCase();
  let port: number | undefined;
  if (text.charCodeAt(i) === 0x3a) {
    let k = i + 1;
    while (k < text.length && isDigit(text.charCodeAt(k))) k++;
    port = parseUint(text.slice(i + 1, k), 65535);
    if (port === undefined || k - i - 1 > 5) return undefined;
    i = k;
  }
  const parsed = parseUriParams(text, i);
  if (!parsed) return undefined;
  i = parsed.end;
  let headers: string | undefined;
  if (i < text.length) {
    if (text.charCodeAt(i) !== 0x3f) return undefined;
    headers = text.slice(i + 1);
    if (!validHeaders(headers)) return undefined;
  }
  return { kind: 'sip', scheme, user, password, host, port, params: parsed.params, headers, text };
}

function parseTel(text: string, start: number): TelUri | undefined {
  let i = start;
  while (i < text.length && text.charCodeAt(i) !== 0x3b) {
    const c = text.charCodeAt(i);
    const ok = isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) || '+-.()*#pwPW'.includes(text[i]!);
    if (!ok) return undefined;
    i++;
  }
  if (i === start) return undefined;
  const number = text.slice(start, i);
  const parsed = parseUriParams(text, i);
  if (!parsed || parsed.end !== text.length) return undefined;
  return { kind: 'tel', scheme: 'tel', number, params: parsed.params, text };
}

/** `*( ";" pname [ "=" pvalue ] )` without any whitespace; stops at `?` or the end. */
function parseUriParams(text: string, i: number): { params: Params; end: number } | undefined {
  const params: Params = new Map();
  while (i < text.length && text.charCodeAt(i) === 0x3b) {
    let k = i + 1;
    while (k < text.length) {
      const c = text.charCodeAt(k);
      if (c === 0x3b || c === 0x3f || c === 0x3d) break;
      k++;
    }
    if (!allIn(PARAMCHAR, text, i + 1, k)) return undefined;
    // Escaped and plain spellings are equivalent (RFC 3261 §19.1.4): store names and values unescaped.
    const name = unescapePercent(text.slice(i + 1, k)).toLowerCase();
    let value: string | null = null;
    if (text.charCodeAt(k) === 0x3d) {
      let v = k + 1;
      while (v < text.length && text.charCodeAt(v) !== 0x3b && text.charCodeAt(v) !== 0x3f) v++;
      if (!allIn(PARAMCHAR, text, k + 1, v)) return undefined;
      value = unescapePercent(text.slice(k + 1, v));
      k = v;
    }
    params.set(name, value);
    i = k;
  }
  return { params, end: i };
}

function validHeaders(h: string): boolean {
  if (h.length === 0) return false;
  for (const pair of h.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return false;
    if (!allIn(HNVCHAR, pair, 0, eq)) return false;
    if (eq + 1 < pair.length && !allIn(HNVCHAR, pair, eq + 1)) return false;
  }
  return true;
}

/** Build a SIP URI string. */
export function formatSipUri(parts: {
  scheme?: 'sip' | 'sips';
  user?: string | undefined;
  host: string;
  port?: number | undefined;
  params?: Readonly<Record<string, string | null>>;
}): string {
  let out = `${parts.scheme ?? 'sip'}:`;
  if (parts.user) out += `${escapeUser(parts.user)}@`;
  out += parts.host.includes(':') && !parts.host.startsWith('[') ? `[${parts.host}]` : parts.host;
  if (parts.port) out += `:${parts.port}`;
  for (const [k, v] of Object.entries(parts.params ?? {})) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

function escapeUser(user: string): string {
  let out = '';
  for (let i = 0; i < user.length; i++) {
    const c = user.charCodeAt(i);
    out += inTable(USER, c) && c !== 0x25 ? user[i] : `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
