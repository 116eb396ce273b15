/**
 * The session description in a SIP message body (RFC 3261 §7.4, RFC 5621): the body itself when it
 * is `application/sdp`, or the SDP part of a `multipart/*` body — SIP-I carriers send
 * `multipart/mixed` with `application/sdp` and `application/ISUP` parts. Bodies come from the network:
 * a malformed multipart body simply has no session part, nothing throws.
 */
import type { SipMessage } from './message';

export interface MessageBody {
  readonly contentType: string;
  readonly content: string;
}

const SDP = 'application/sdp';
/** Nested multiparts deeper than this are not followed (a hostile body cannot recurse us). */
const MAX_DEPTH = 3;

/** The SDP of `msg`, or undefined when it has no body or no SDP part. Other single bodies pass as they are. */
export function sessionBodyOf(msg: SipMessage): MessageBody | undefined {
  if (msg.body.length === 0) return undefined;
  const contentType = msg.get('content-type') ?? '';
  if (!isMultipart(contentType)) return { contentType, content: msg.bodyText };
  return sdpPart(contentType, msg.body.toString('latin1'), 0);
}

function isMultipart(contentType: string): boolean {
  return /^\s*multipart\//i.test(contentType);
}

function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** `raw` is the body as latin1 (one char per byte), so binary parts (ISUP) survive the split. */
function sdpPart(contentType: string, raw: string, depth: number): MessageBody | undefined {
  const boundary = boundaryOf(contentType);
  if (!boundary || depth > MAX_DEPTH) return undefined;
  for (const part of splitParts(raw, boundary)) {
    const { headers, content } = splitHeaders(part);
    // A part without Content-Type is text/plain (RFC 2046 §5.1); SIP-I gateways always label theirs.
    const type = headers.get('content-type') ?? 'text/plain';
    const bare = type.split(';')[0]!.trim().toLowerCase();
    if (bare === SDP) return { contentType: SDP, content: Buffer.from(content, 'latin1').toString('utf8') };
    if (isMultipart(type)) {
      const inner = sdpPart(type, content, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** The body parts between `--boundary` delimiter lines, up to the close delimiter (RFC 2046 §5.1.1). */
function splitParts(raw: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let start = raw.startsWith(delimiter) ? 0 : raw.indexOf(`\n${delimiter}`);
  if (start < 0) return parts;
  if (start > 0) start += 1;
  for (;;) {
    const lineEnd = raw.indexOf('\n', start);
    if (lineEnd < 0 || raw.startsWith(`${delimiter}--`, start)) break;
    const next = raw.indexOf(`\n${delimiter}`, lineEnd);
    const end = next < 0 ? raw.length : next;
    // The CRLF before a delimiter belongs to the delimiter.
    parts.push(raw.slice(lineEnd + 1, raw[end - 1] === '\r' ? end - 1 : end));
    if (next < 0) break;
    start = next + 1;
  }
  return parts;
}

function splitHeaders(part: string): { headers: Map<string, string>; content: string } {
  const headers = new Map<string, string>();
  // A part that starts with an empty line has no headers.
  const m = /^\r?\n/.exec(part) ?? /\r?\n\r?\n/.exec(part);
  if (!m) return { headers, content: part };
  for (const line of part.slice(0, m.index).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, content: part.slice(m.index + m[0].length) };
}
