/**
 * RADIUS packets on the wire (RFC 2865 §3, RFC 3579 §3.2): header checks, the Message-Authenticator,
 * and turning a request into typed fields and an answer into bytes.
 *
 * Attribute encoding and decoding (with the RFC dictionaries, User-Password hiding) is the npm
 * `radius` codec's. The Message-Authenticator is ours, on purpose — that codec gets it wrong for a
 * BlastRADIUS-safe server:
 * - it checks a request's Message-Authenticator on a *re-encoding* of the parsed attributes, not on
 *   the bytes received, and compares the MACs as UTF-8 strings (lossy: different bytes can compare
 *   equal) and not in constant time;
 * - it adds a Message-Authenticator to an answer only when the request had one, and always as the
 *   last attribute, where the BlastRADIUS mitigations want it first.
 * So here the MAC is checked over the received bytes with `timingSafeEqual`, and every answer
 * carries it as its first attribute, computed before the Response Authenticator (RFC 3579 §3.2).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import radius from 'radius';

export const HEADER_LENGTH = 20;
/** RFC 2865 §3: the largest packet. */
export const MAX_PACKET_LENGTH = 4096;
const MESSAGE_AUTHENTICATOR = 80;
const PROXY_STATE = 33;
const MAC_LENGTH = 16;
/** RFC 2865 §5: an attribute's value is at most 253 octets. */
const MAX_VALUE_LENGTH = 253;

export const CODES = {
  'Access-Request': 1,
  'Access-Accept': 2,
  'Access-Reject': 3,
  'Access-Challenge': 11,
} as const;
export type AnswerCode = 'Access-Accept' | 'Access-Reject' | 'Access-Challenge';

export interface Header {
  readonly code: number;
  readonly identifier: number;
  /** The Length field: bytes past it are padding and ignored (RFC 2865 §3). */
  readonly length: number;
  readonly authenticator: Buffer;
}

/** The header, or why the datagram is not a RADIUS packet we could read. */
export function readHeader(datagram: Buffer): Header | { readonly malformed: string } {
  if (datagram.length < HEADER_LENGTH) return { malformed: `${datagram.length} bytes, shorter than a header` };
  const length = datagram.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH) return { malformed: `Length field ${length} out of range` };
  if (length > datagram.length) return { malformed: `Length field ${length} > ${datagram.length} bytes received` };
  return {
    code: datagram[0] ?? 0,
    identifier: datagram[1] ?? 0,
    length,
    authenticator: Buffer.from(datagram.subarray(4, HEADER_LENGTH)),
  };
}

interface RawAttribute {
  readonly type: number;
  /** Offset of the value in the packet. */
  readonly valueAt: number;
  readonly value: Buffer;
}

/** The attributes as they are on the wire, or undefined when their lengths do not add up. */
export function rawAttributes(packet: Buffer): RawAttribute[] | undefined {
  const out: RawAttribute[] = [];
  let at = HEADER_LENGTH;
  while (at < packet.length) {
    if (at + 2 > packet.length) return undefined;
    const type = packet[at] ?? 0;
    const len = packet[at + 1] ?? 0;
    if (len < 2 || at + len > packet.length) return undefined;
    out.push({ type, valueAt: at + 2, value: Buffer.from(packet.subarray(at + 2, at + len)) });
    at += len;
  }
  return out;
}

export type MacCheck = 'valid' | 'invalid' | 'absent';

/** RFC 3579 §3.2 on the bytes received: HMAC-MD5 over the packet with the attribute's value zeroed. */
export function checkMessageAuthenticator(packet: Buffer, secret: string): MacCheck {
  const attrs = rawAttributes(packet);
  if (!attrs) return 'invalid';
  const macs = attrs.filter((a) => a.type === MESSAGE_AUTHENTICATOR);
  if (macs.length === 0) return 'absent';
  const mac = macs[0];
  if (macs.length > 1 || !mac || mac.value.length !== MAC_LENGTH) return 'invalid';
  const copy = Buffer.from(packet);
  copy.fill(0, mac.valueAt, mac.valueAt + MAC_LENGTH);
  const expected = createHmac('md5', secret).update(copy).digest();
  return timingSafeEqual(expected, mac.value) ? 'valid' : 'invalid';
}

export interface AccessRequest {
  readonly identifier: number;
  readonly authenticator: Buffer;
  readonly userName: string | undefined;
  /** PAP password (decrypted with the shared secret), if the request carries one. */
  readonly password: string | undefined;
  /** The State of an Access-Challenge this request answers. */
  readonly state: Buffer | undefined;
  readonly nasIdentifier: string | undefined;
  readonly callingStationId: string | undefined;
  /** Proxy-State values in order, echoed unchanged in the answer (RFC 2865 §5.33). */
  readonly proxyStates: readonly Buffer[];
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function text(v: unknown): string | undefined {
  const x = first(v);
  return typeof x === 'string' ? x : undefined;
}

/**
 * Decodes an Access-Request (header already checked, `packet` cut to its Length). Throws on
 * attributes the codec cannot read; the caller counts that as malformed.
 */
export function decodeAccessRequest(packet: Buffer, secret: string): AccessRequest {
  const raw = rawAttributes(packet);
  if (!raw) throw new Error('attribute lengths do not add up to the packet length');
  const decoded = radius.decode({ packet, secret });
  const attrs = decoded.attributes as Record<string, unknown>;
  const state = first(attrs.State);
  return {
    identifier: packet[1] ?? 0,
    authenticator: Buffer.from(packet.subarray(4, HEADER_LENGTH)),
    userName: text(attrs['User-Name']),
    password: text(attrs['User-Password']),
    state: Buffer.isBuffer(state) ? state : undefined,
    nasIdentifier: text(attrs['NAS-Identifier']),
    callingStationId: text(attrs['Calling-Station-Id']),
    proxyStates: raw.filter((a) => a.type === PROXY_STATE).map((a) => a.value),
  };
}

export interface Answer {
  readonly code: AnswerCode;
  /** Shown to the user by clients that can (split into 253-byte attributes if longer). */
  readonly replyMessage?: string;
  /** Access-Challenge: the State the second Access-Request must carry. */
  readonly state?: Buffer;
}

/** A Reply-Message as attribute values of at most 253 bytes, never cutting a UTF-8 character. */
export function splitReplyMessage(message: string): Buffer[] {
  const out: Buffer[] = [];
  let cur = '';
  for (const ch of message) {
    if (Buffer.byteLength(cur + ch) > MAX_VALUE_LENGTH) {
      out.push(Buffer.from(cur));
      cur = '';
    }
    cur += ch;
  }
  if (cur) out.push(Buffer.from(cur));
  return out;
}

/**
 * The answer to `request`: Message-Authenticator first, then State, Reply-Message and the request's
 * Proxy-State values in order; the Response Authenticator computed last over all of it.
 */
export function encodeAnswer(
  request: Pick<AccessRequest, 'identifier' | 'authenticator' | 'proxyStates'>,
  answer: Answer,
  secret: string,
): Buffer {
  const attributes: [number | string, Buffer][] = [[MESSAGE_AUTHENTICATOR, Buffer.alloc(MAC_LENGTH)]];
  if (answer.state) attributes.push(['State', answer.state]);
  for (const part of answer.replyMessage ? splitReplyMessage(answer.replyMessage) : [])
    attributes.push(['Reply-Message', part]);
  for (const ps of request.proxyStates) attributes.push([PROXY_STATE, ps]);
  const packet = radius.encode({
    code: answer.code,
    identifier: request.identifier,
    attributes,
    secret,
    add_message_authenticator: false,
    authenticator: request.authenticator,
  } as Parameters<typeof radius.encode>[0]);
  // RFC 3579 §3.2: the MAC is computed with the Request Authenticator in the header …
  request.authenticator.copy(packet, 4);
  packet.fill(0, HEADER_LENGTH + 2, HEADER_LENGTH + 2 + MAC_LENGTH);
  createHmac('md5', secret)
    .update(packet)
    .digest()
    .copy(packet, HEADER_LENGTH + 2);
  // … then the Response Authenticator over the packet with the MAC in place (RFC 2865 §3).
  createHash('md5').update(packet).update(secret).digest().copy(packet, 4);
  return packet;
}
