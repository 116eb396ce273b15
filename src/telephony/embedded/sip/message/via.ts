/** Via (RFC 3261 §20.42, RFC 3581 rport). */
import { isDigit, isToken, isWsp, parseUint, skipWsp, trimEnd } from './charset';
import { type Params, parseParams } from './params';

export interface Via {
  /** `SIP/2.0` as written (normalised spacing, original case). */
  readonly protocol: string;
  /** Upper-case transport: UDP, TCP, TLS, SCTP, or anything else a peer wrote. */
  readonly transport: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly params: Params;
  readonly branch: string | undefined;
  readonly received: string | undefined;
  /** `true` for a bare `;rport` (asking for it), the number once filled in. */
  readonly rport: number | true | undefined;
}

/** RFC 3261 §8.1.1.7: branches of compliant elements start with this. */
export const BRANCH_MAGIC = 'z9hG4bK';

/** Parse one Via value (already split from a list). */
export function parseVia(value: string): Via | undefined {
  const end = trimEnd(value, 0, value.length);
  let i = skipWsp(value, 0, end);
  // sent-protocol = name SLASH version SLASH transport, SLASH allowing LWS around it.
  const parts: string[] = [];
  for (let n = 0; n < 3; n++) {
    const start = i;
    while (i < end) {
      const c = value.charCodeAt(i);
      if (c === 0x2f || isWsp(c)) break;
      i++;
    }
    const part = value.slice(start, i);
    if (!isToken(part)) return undefined;
    parts.push(part);
    i = skipWsp(value, i, end);
    if (n < 2) {
      if (value.charCodeAt(i) !== 0x2f) return undefined;
      i = skipWsp(value, i + 1, end);
    }
  }
  // LWS separates sent-protocol from sent-by.
  if (!isWsp(value.charCodeAt(i - 1))) return undefined;
  // sent-by = host [ COLON port ]
  const hostStart = i;
  if (value.charCodeAt(i) === 0x5b) {
    const close = value.indexOf(']', i);
    if (close < 0 || close >= end) return undefined;
    i = close + 1;
  } else {
    while (i < end) {
      const c = value.charCodeAt(i);
      if (c === 0x3a || c === 0x3b || isWsp(c)) break;
      i++;
    }
  }
  const host = value.slice(hostStart, i).toLowerCase();
  if (host.length === 0 || !validHost(host)) return undefined;
  i = skipWsp(value, i, end);
  let port: number | undefined;
  if (value.charCodeAt(i) === 0x3a) {
    i = skipWsp(value, i + 1, end);
    const ps = i;
    while (i < end && isDigit(value.charCodeAt(i))) i++;
    port = parseUint(value.slice(ps, i), 65535);
    if (port === undefined) return undefined;
  }
  const params = parseParams(value, i, end);
  if (!params) return undefined;
  const rportRaw = params.get('rport');
  let rport: number | true | undefined;
  if (rportRaw === null) rport = true;
  else if (rportRaw !== undefined) {
    rport = parseUint(rportRaw, 65535);
    if (rport === undefined) return undefined;
  }
  const branch = params.get('branch');
  const received = params.get('received');
  if (branch === null || received === null) return undefined;
  return {
    protocol: `${parts[0]}/${parts[1]}`,
    transport: parts[2]!.toUpperCase(),
    host,
    port,
    params,
    branch,
    received,
    rport,
  };
}

function validHost(h: string): boolean {
  if (h.charCodeAt(0) === 0x5b) return h.charCodeAt(h.length - 1) === 0x5d;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x2d || c === 0x5f;
    if (!ok) return false;
  }
  return true;
}

export function formatVia(v: {
  transport: string;
  host: string;
  port?: number | undefined;
  branch: string;
  rport?: boolean;
}): string {
  return `SIP/2.0/${v.transport.toUpperCase()} ${v.host}${v.port ? `:${v.port}` : ''};branch=${v.branch}${v.rport ? ';rport' : ''}`;
}
