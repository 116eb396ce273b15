/**
 * A tolerant SDP (RFC 4566) reader. It keeps what offer/answer needs (origin, connection, media
 * lines, attributes) and ignores the rest, because PBXs send all sorts of vendor lines. Input comes
 * from the network, so it never throws anything but `SdpError`.
 */

export class SdpError extends Error {
  override readonly name = 'SdpError';
}

export interface SdpAttribute {
  readonly name: string;
  /** Text after the first `:`; undefined for flag attributes such as `a=sendrecv`. */
  readonly value: string | undefined;
}

export interface SdpConnection {
  readonly netType: string;
  readonly addrType: string;
  /** Address without a TTL/count suffix (`224.2.1.1/127` → `224.2.1.1`). */
  readonly address: string;
}

export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly address: string;
}

export interface SdpMedia {
  readonly type: string;
  readonly port: number;
  readonly proto: string;
  /** Format list as written (payload type numbers for RTP/AVP). */
  readonly formats: readonly string[];
  readonly connection: SdpConnection | undefined;
  readonly attributes: readonly SdpAttribute[];
}

export interface SessionDescription {
  readonly origin: SdpOrigin | undefined;
  readonly connection: SdpConnection | undefined;
  readonly attributes: readonly SdpAttribute[];
  readonly media: readonly SdpMedia[];
}

const MAX_SDP_BYTES = 64 * 1024;

export function parseSdp(text: string): SessionDescription {
  if (text.length > MAX_SDP_BYTES) throw new SdpError('SDP too large');
  const lines = text.split(/\r?\n/);
  let sawVersion = false;
  let origin: SdpOrigin | undefined;
  let sessionConnection: SdpConnection | undefined;
  const sessionAttributes: SdpAttribute[] = [];
  const media: Array<{
    type: string;
    port: number;
    proto: string;
    formats: string[];
    connection: SdpConnection | undefined;
    attributes: SdpAttribute[];
  }> = [];

  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line === '') continue;
    if (line.length < 2 || line[1] !== '=') throw new SdpError(`malformed SDP line: ${truncate(line)}`);
    const type = line[0];
    const value = line.slice(2);
    const current = media[media.length - 1];
    switch (type) {
      case 'v':
        if (value.trim() !== '0') throw new SdpError(`unsupported SDP version ${truncate(value)}`);
        sawVersion = true;
        break;
      case 'o':
        origin = parseOrigin(value);
        break;
      case 'c': {
        const c = parseConnection(value);
        if (current) current.connection = c;
        else sessionConnection = c;
        break;
      }
      case 'm':
        media.push({ ...parseMediaLine(value), connection: undefined, attributes: [] });
        break;
      case 'a': {
        const a = parseAttribute(value);
        if (current) current.attributes.push(a);
        else sessionAttributes.push(a);
        break;
      }
      default:
        // s=, t=, b=, i=, u=, e=, p=, z=, k=, r= and unknown types carry nothing offer/answer needs.
        break;
    }
  }
  if (!sawVersion) throw new SdpError('SDP without v= line');
  return { origin, connection: sessionConnection, attributes: sessionAttributes, media };
}

function parseOrigin(value: string): SdpOrigin {
  const parts = value.trim().split(/\s+/);
  if (parts.length < 6) throw new SdpError(`malformed o= line: ${truncate(value)}`);
  return { username: parts[0]!, sessionId: parts[1]!, sessionVersion: parts[2]!, address: parts[5]! };
}

function parseConnection(value: string): SdpConnection {
  const parts = value.trim().split(/\s+/);
  if (parts.length < 3) throw new SdpError(`malformed c= line: ${truncate(value)}`);
  return { netType: parts[0]!, addrType: parts[1]!, address: parts[2]!.split('/')[0]! };
}

function parseMediaLine(value: string): { type: string; port: number; proto: string; formats: string[] } {
  const parts = value.trim().split(/\s+/);
  if (parts.length < 3) throw new SdpError(`malformed m= line: ${truncate(value)}`);
  const portText = parts[1]!.split('/')[0]!;
  if (!/^\d{1,5}$/.test(portText)) throw new SdpError(`bad media port: ${truncate(parts[1]!)}`);
  const port = Number(portText);
  if (port > 65535) throw new SdpError(`bad media port: ${port}`);
  return { type: parts[0]!, port, proto: parts[2]!, formats: parts.slice(3) };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  if (colon < 0) return { name: value.trim(), value: undefined };
  return { name: value.slice(0, colon).trim(), value: value.slice(colon + 1).trim() };
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

export function findAttribute(attributes: readonly SdpAttribute[], name: string): SdpAttribute | undefined {
  return attributes.find((a) => a.name === name);
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
const DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** Media-level direction attribute, falling back to the session level, then to sendrecv (RFC 3264 §5.1). */
export function directionOf(session: SessionDescription, media: SdpMedia): MediaDirection {
  for (const list of [media.attributes, session.attributes]) {
    for (const a of list) {
      if ((DIRECTIONS as readonly string[]).includes(a.name)) return a.name as MediaDirection;
    }
  }
  return 'sendrecv';
}

export interface RtpMap {
  readonly payloadType: number;
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels: number;
}

/** rtpmap entries of a media section, keyed by payload type; static types (0, 8) get their implied map. */
export function rtpMapsOf(media: SdpMedia): Map<number, RtpMap> {
  const maps = new Map<number, RtpMap>();
  for (const f of media.formats) {
    const pt = Number(f);
    if (pt === 0) maps.set(0, { payloadType: 0, encoding: 'PCMU', clockRate: 8000, channels: 1 });
    if (pt === 8) maps.set(8, { payloadType: 8, encoding: 'PCMA', clockRate: 8000, channels: 1 });
  }
  for (const a of media.attributes) {
    if (a.name !== 'rtpmap' || a.value === undefined) continue;
    const m = /^(\d{1,3})\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(a.value);
    if (!m) continue;
    const pt = Number(m[1]);
    if (pt > 127) continue;
    maps.set(pt, { payloadType: pt, encoding: m[2]!, clockRate: Number(m[3]), channels: m[4] ? Number(m[4]) : 1 });
  }
  return maps;
}

/** The fmtp parameter string of one payload type, if any. */
export function fmtpOf(media: SdpMedia, payloadType: number): string | undefined {
  for (const a of media.attributes) {
    if (a.name !== 'fmtp' || a.value === undefined) continue;
    const m = /^(\d{1,3})\s+(.*)$/.exec(a.value);
    if (m && Number(m[1]) === payloadType) return m[2];
  }
  return undefined;
}
