/**
 * Checks the headers the stack relies on, so that the layers above can use the typed accessors
 * without failing. Returns the 400 reason phrase, or undefined when the message is usable.
 * Invalid values in headers we do not act on (e.g. a huge Expires) are left for the layer that reads them.
 */
import { inTable, isToken, parseUint, trimWsp, WORD } from './charset';
import { SINGLE_HEADERS } from './header-names';
import type { SipMessage } from './message';

const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'];

export function validate(msg: SipMessage): string | undefined {
  // One pass over the header lines: presence of the required ones, uniqueness of the single-valued ones.
  let seen = 0;
  let single = 0;
  for (const h of msg.headers) {
    const r = REQUIRED.indexOf(h.name);
    if (r >= 0) seen |= 1 << r;
    const u = SINGLE_HEADERS.indexOf(h.name);
    if (u >= 0) {
      if (single & (1 << u)) return `Multiple ${h.name} headers`;
      single |= 1 << u;
    }
  }
  for (let r = 0; r < REQUIRED.length; r++) if (!(seen & (1 << r))) return `Missing ${REQUIRED[r]} header`;
  const vias = msg.viaList();
  if (vias.length === 0) return 'Missing via header';
  for (const v of vias) if (!v) return 'Malformed Via';
  if (!msg.fromAddr()) return 'Malformed From';
  if (!msg.toAddr()) return 'Malformed To';
  if (!validCallId(msg.callId)) return 'Malformed Call-ID';
  if (!msg.cseqValid()) return 'Malformed CSeq';
  const mf = msg.get('max-forwards');
  if (mf !== undefined && parseUint(mf, 255) === undefined) return 'Malformed Max-Forwards';
  for (const c of msg.contacts()) if (!c) return 'Malformed Contact';
  for (const r of msg.recordRoutes()) if (!r) return 'Malformed Record-Route';
  for (const r of msg.routes()) if (!r) return 'Malformed Route';
  const date = msg.get('date');
  if (date !== undefined && !validDate(date)) return 'Malformed Date';
  const ct = msg.get('content-type');
  if (ct !== undefined && !validContentType(ct)) return 'Malformed Content-Type';
  if (msg.kind === 'request') {
    if (msg.cseq.method !== msg.method) return 'CSeq method does not match Request-Line';
    const uri = msg.requestUri();
    if (!uri) return 'Malformed Request-URI';
    // RFC 3261 §19.1.5: a Request-URI carries no headers (RFC 4475 §3.1.2.11).
    if (uri.kind === 'sip' && uri.headers !== undefined) return 'Request-URI with headers';
  }
  return undefined;
}

/** callid = word [ "@" word ] */
function validCallId(v: string): boolean {
  if (v.length === 0) return false;
  let at = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x40 && !at && i > 0 && i < v.length - 1) {
      at = true;
      continue;
    }
    if (!inTable(WORD, c)) return false;
  }
  return true;
}

/** rfc1123-date = wkday "," SP date1 SP time SP "GMT" (RFC 3261 §20.17 allows only GMT). */
function validDate(v: string): boolean {
  const parts = v.split(' ');
  if (parts.length !== 6 || parts[5] !== 'GMT') return false;
  const [wk, day, mon, year, time] = parts as [string, string, string, string, string];
  return (
    wk.length === 4 &&
    wk.endsWith(',') &&
    day.length === 2 &&
    parseUint(day, 31) !== undefined &&
    mon.length === 3 &&
    year.length === 4 &&
    parseUint(year, 9999) !== undefined &&
    time.length === 8
  );
}

/** media-type = m-type SLASH m-subtype *(SEMI m-parameter) — only the type/subtype is checked. */
function validContentType(v: string): boolean {
  const semi = v.indexOf(';');
  const mt = trimWsp(semi >= 0 ? v.slice(0, semi) : v);
  const slash = mt.indexOf('/');
  if (slash <= 0) return false;
  return isToken(trimWsp(mt.slice(0, slash))) && isToken(trimWsp(mt.slice(slash + 1)));
}
