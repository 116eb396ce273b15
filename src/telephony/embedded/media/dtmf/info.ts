/**
 * DTMF over SIP INFO. Two bodies are in use in the field (neither is an RFC, both are widespread):
 *   application/dtmf-relay:  "Signal=#\r\nDuration=250\r\n"   (Cisco style; linphone, most PBXs)
 *   application/dtmf:        "#"                               (bare key; some gateways)
 * Some senders write the key as its RFC 4733 event number (Signal=11 for #); both forms are read.
 * Input comes from the network: malformed bodies give a result with an error, never an exception.
 */
import { type DtmfDigit, isDtmfDigit } from '../../../port';
import { eventCodeToDigit } from './digits';

export const DTMF_RELAY_TYPE = 'application/dtmf-relay';
export const DTMF_TYPE = 'application/dtmf';

export type DtmfInfoResult =
  | { readonly ok: true; readonly digit: DtmfDigit; readonly durationMs?: number }
  | { readonly ok: false; readonly error: string };

/** Bodies longer than this are not DTMF (and not worth scanning). */
const MAX_BODY = 1024;

/** Media type without parameters, lower case: `Application/DTMF-Relay; x=y` → `application/dtmf-relay`. */
function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi >= 0 ? contentType.slice(0, semi) : contentType).trim().toLowerCase();
}

export function isDtmfInfoContentType(contentType: string): boolean {
  const t = mediaType(contentType);
  return t === DTMF_RELAY_TYPE || t === DTMF_TYPE;
}

/** The digit an INFO request carries, or why it carries none. */
export function parseDtmfInfo(contentType: string, body: string): DtmfInfoResult {
  const type = mediaType(contentType);
  if (type !== DTMF_RELAY_TYPE && type !== DTMF_TYPE) {
    return { ok: false, error: `not a DTMF INFO body (Content-Type ${JSON.stringify(type.slice(0, 60))})` };
  }
  if (body.length > MAX_BODY) return { ok: false, error: `DTMF INFO body too long (${body.length} bytes)` };
  if (type === DTMF_TYPE) {
    const key = parseKey(body.trim());
    return key ? { ok: true, digit: key } : { ok: false, error: `invalid ${DTMF_TYPE} body ${describe(body)}` };
  }
  let signal: string | undefined;
  let duration: string | undefined;
  for (const line of body.split(/\r\n|\n|\r/)) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const name = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (name === 'signal' && signal === undefined) signal = value;
    else if (name === 'duration' && duration === undefined) duration = value;
  }
  if (signal === undefined) return { ok: false, error: `${DTMF_RELAY_TYPE} body without Signal= line` };
  const digit = parseKey(signal);
  if (!digit) return { ok: false, error: `invalid Signal value ${describe(signal)}` };
  // A bad Duration does not make the key press less real: keep the digit, drop the duration.
  const ms = duration !== undefined && /^\d{1,6}$/.test(duration) ? Number(duration) : undefined;
  return ms === undefined ? { ok: true, digit } : { ok: true, digit, durationMs: ms };
}

function parseKey(s: string): DtmfDigit | undefined {
  const upper = s.toUpperCase();
  if (upper.length === 1 && isDtmfDigit(upper)) return upper;
  // Event-number form: 10 = *, 11 = #, 12..15 = A..D (single digits were handled above).
  if (/^1[0-5]$/.test(s)) return eventCodeToDigit(Number(s));
  return undefined;
}

function describe(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/** Body of an INFO carrying one key press. */
export function buildDtmfInfo(
  digit: DtmfDigit,
  durationMs: number,
  contentType: typeof DTMF_RELAY_TYPE | typeof DTMF_TYPE = DTMF_RELAY_TYPE,
): { readonly contentType: string; readonly content: string } {
  if (contentType === DTMF_TYPE) return { contentType, content: digit };
  return { contentType, content: `Signal=${digit}\r\nDuration=${Math.round(durationMs)}\r\n` };
}
