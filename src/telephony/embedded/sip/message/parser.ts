/**
 * Message parsing (RFC 3261 §7): start line, headers (folding, compact and case-insensitive names),
 * body by Content-Length. Never throws: bad input yields a `ParseFailure` that says whether a 400
 * can be sent (a request whose Via/From/To/Call-ID/CSeq lines are present) or it must be dropped.
 */
import { isToken, isWsp, parseUint, trimWsp } from './charset';
import { canonicalName } from './header-names';
import { type HeaderField, type SipMessage, SipRequest, SipResponse } from './message';
import { validate } from './validate';

export interface ParseSuccess {
  readonly ok: true;
  readonly message: SipMessage;
}

export interface ParseFailure {
  readonly ok: false;
  /** Reason phrase for the 400 (or 505) and for the drop counter. */
  readonly reason: string;
  /** Status to answer with when `request` is set: 400, or 505 for an unknown SIP version. */
  readonly status: 400 | 505;
  /**
   * The request's start line and header lines when it looked like a request; the transport answers it
   * when Via, From, To, Call-ID and CSeq are there to copy into the response.
   */
  readonly request?: { readonly method: string; readonly headers: HeaderField[] };
}

export type ParseResult = ParseSuccess | ParseFailure;

export interface ParseOptions {
  /**
   * Datagram (UDP): a Content-Length larger than what arrived is an error; without one the body is the
   * rest of the datagram. Stream (TCP): the framer already cut exactly one message.
   */
  readonly stream?: boolean;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

export function parseMessage(buf: Buffer, options: ParseOptions = {}): ParseResult {
  try {
    return parseUnsafe(buf, options);
  } catch (err) {
    // Defensive: a parser bug must not escape into the transport.
    return { ok: false, status: 400, reason: `Parser error: ${err instanceof Error ? err.message : 'unknown'}` };
  }
}

/** Where the header section ends and the body begins. */
export function findHeaderEnd(buf: Buffer, from = 0): { headerEnd: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf(CRLFCRLF, from);
  const lf = buf.indexOf(LFLF, from);
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf, bodyStart: lf + 2 };
  return undefined;
}

function parseUnsafe(buf: Buffer, options: ParseOptions): ParseResult {
  // RFC 3261 §7.5: ignore CRLFs before the start line.
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  const ends = findHeaderEnd(buf, start);
  const headerEnd = ends ? ends.headerEnd : buf.length;
  const text = buf.toString('utf8', start, headerEnd);

  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0) lineEnd = text.length;
  const startLine = text.charCodeAt(lineEnd - 1) === 0x0d ? text.slice(0, lineEnd - 1) : text.slice(0, lineEnd);

  const headers: HeaderField[] = [];
  let headerError: string | undefined;
  let pos = lineEnd + 1;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let line = text.charCodeAt(nl - 1) === 0x0d ? text.slice(pos, nl - 1) : text.slice(pos, nl);
    pos = nl + 1;
    // Folded continuation lines (RFC 3261 §7.3.1) are joined with one space.
    while (pos < text.length && isWsp(text.charCodeAt(pos))) {
      let next = text.indexOf('\n', pos);
      if (next < 0) next = text.length;
      const cont = text.charCodeAt(next - 1) === 0x0d ? text.slice(pos, next - 1) : text.slice(pos, next);
      line = `${line} ${trimWsp(cont)}`;
      pos = next + 1;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      headerError ??= 'Malformed header line';
      continue;
    }
    let nameEnd = colon;
    while (nameEnd > 0 && isWsp(line.charCodeAt(nameEnd - 1))) nameEnd--;
    const wireName = line.slice(0, nameEnd);
    if (!isToken(wireName)) {
      headerError ??= 'Malformed header name';
      continue;
    }
    headers.push({ name: canonicalName(wireName), wireName, value: trimWsp(line.slice(colon + 1)) });
  }

  if (startLine.startsWith('SIP/')) return parseResponse(startLine, headers, headerError, buf, ends, options);
  return parseRequest(startLine, headers, headerError, buf, ends, options);
}

function parseResponse(
  startLine: string,
  headers: HeaderField[],
  headerError: string | undefined,
  buf: Buffer,
  ends: { bodyStart: number } | undefined,
  options: ParseOptions,
): ParseResult {
  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase; responses are never answered.
  const sp1 = startLine.indexOf(' ');
  const version = sp1 > 0 ? startLine.slice(0, sp1) : startLine;
  const codeText = sp1 > 0 ? startLine.slice(sp1 + 1, sp1 + 4) : '';
  const status = codeText.length === 3 ? parseUint(codeText, 699) : undefined;
  if (version !== 'SIP/2.0') return { ok: false, status: 505, reason: 'Version Not Supported' };
  if (status === undefined || status < 100 || (startLine.length > sp1 + 4 && startLine.charCodeAt(sp1 + 4) !== 0x20)) {
    return { ok: false, status: 400, reason: 'Bad Status-Line' };
  }
  if (headerError) return { ok: false, status: 400, reason: headerError };
  const body = cutBody(buf, ends, headers, options);
  if (typeof body === 'string') return { ok: false, status: 400, reason: body };
  const msg = new SipResponse(status, startLine.slice(sp1 + 5), headers, body);
  const problem = validate(msg);
  return problem ? { ok: false, status: 400, reason: problem } : { ok: true, message: msg };
}

function parseRequest(
  startLine: string,
  headers: HeaderField[],
  headerError: string | undefined,
  buf: Buffer,
  ends: { bodyStart: number } | undefined,
  options: ParseOptions,
): ParseResult {
  // Request-Line = Method SP Request-URI SP SIP-Version CRLF: exactly two single spaces (RFC 4475 §3.1.2.7-10).
  const sp1 = startLine.indexOf(' ');
  const sp2 = sp1 >= 0 ? startLine.indexOf(' ', sp1 + 1) : -1;
  const method = sp1 > 0 ? startLine.slice(0, sp1) : '';
  const fail = (reason: string, status: 400 | 505 = 400): ParseFailure =>
    method && isToken(method)
      ? { ok: false, status, reason, request: { method, headers } }
      : { ok: false, status, reason };
  if (sp1 <= 0 || sp2 < 0 || startLine.indexOf(' ', sp2 + 1) >= 0 || !isToken(method)) {
    return fail('Malformed Request-Line');
  }
  const uri = startLine.slice(sp1 + 1, sp2);
  const version = startLine.slice(sp2 + 1);
  if (uri.length === 0) return fail('Malformed Request-Line');
  if (!versionSyntax(version)) return fail('Malformed Request-Line');
  if (version !== 'SIP/2.0') return fail('Version Not Supported', 505);
  if (headerError) return fail(headerError);
  const body = cutBody(buf, ends, headers, options);
  if (typeof body === 'string') return fail(body);
  const msg = new SipRequest(method, uri, headers, body);
  const problem = validate(msg);
  return problem ? fail(problem) : { ok: true, message: msg };
}

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (case-insensitive "SIP"). */
function versionSyntax(v: string): boolean {
  if (v.length < 7 || v.slice(0, 4).toUpperCase() !== 'SIP/') return false;
  const dot = v.indexOf('.', 4);
  if (dot < 5 || dot === v.length - 1) return false;
  for (let i = 4; i < v.length; i++) if (i !== dot && (v.charCodeAt(i) < 0x30 || v.charCodeAt(i) > 0x39)) return false;
  return true;
}

/** The body per Content-Length (RFC 3261 §18.3), or an error reason. */
function cutBody(
  buf: Buffer,
  ends: { bodyStart: number } | undefined,
  headers: HeaderField[],
  options: ParseOptions,
): Buffer | string {
  let clText: string | undefined;
  let clCount = 0;
  for (const h of headers) {
    if (h.name === 'content-length') {
      clCount++;
      clText = h.value;
    }
  }
  if (clCount > 1) return 'Multiple Content-Length headers';
  const bodyStart = ends ? ends.bodyStart : buf.length;
  const available = buf.length - bodyStart;
  if (clText === undefined) return options.stream ? buf.subarray(bodyStart, bodyStart) : buf.subarray(bodyStart);
  const cl = parseUint(clText, 0x7fffffff);
  if (cl === undefined) return 'Bad Content-Length';
  if (cl > available) return 'Content-Length larger than message';
  return buf.subarray(bodyStart, bodyStart + cl);
}
