/**
 * Just enough SIP text handling for the protocol doubles: parse a message into start line, ordered
 * headers and body; read headers case-insensitively (with compact forms); build responses. The
 * doubles produce real SIP text so drachtio-srf's own parser reads exactly what it would read from
 * drachtio-server.
 */
import { randomBytes } from 'node:crypto';

export interface SipMsg {
  /** `INVITE sip:1@x SIP/2.0` or `SIP/2.0 200 OK`. */
  readonly startLine: string;
  readonly method?: string;
  readonly uri?: string;
  readonly status?: number;
  readonly reason?: string;
  headers: Array<[string, string]>;
  body: string;
}

const COMPACT: Record<string, string> = {
  i: 'call-id',
  f: 'from',
  t: 'to',
  v: 'via',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
};

function canon(name: string): string {
  const n = name.trim().toLowerCase();
  return COMPACT[n] ?? n;
}

export function parseSip(text: string): SipMsg {
  const sep = text.indexOf('\r\n\r\n');
  const head = sep === -1 ? text : text.slice(0, sep);
  const body = sep === -1 ? '' : text.slice(sep + 4);
  const [startLine = '', ...lines] = head.split('\r\n');
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1]!;
      last[1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const res = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/.exec(startLine);
  if (res) return { startLine, status: Number(res[1]), reason: res[2] ?? '', headers, body };
  const req = /^([A-Z]+)\s+(\S+)\s+SIP\/2\.0$/.exec(startLine);
  if (!req) throw new Error(`not a SIP start line: ${startLine}`);
  return { startLine, method: req[1]!, uri: req[2]!, headers, body };
}

export function getHeader(msg: SipMsg, name: string): string | undefined {
  const want = canon(name);
  return msg.headers.find(([n]) => canon(n) === want)?.[1];
}

export function getHeaders(msg: SipMsg, name: string): string[] {
  const want = canon(name);
  return msg.headers.filter(([n]) => canon(n) === want).map(([, v]) => v);
}

export function setHeader(msg: SipMsg, name: string, value: string): void {
  const want = canon(name);
  const i = msg.headers.findIndex(([n]) => canon(n) === want);
  if (i === -1) msg.headers.push([name, value]);
  else msg.headers[i] = [name, value];
}

export function removeHeader(msg: SipMsg, name: string): void {
  const want = canon(name);
  msg.headers = msg.headers.filter(([n]) => canon(n) !== want);
}

/** Serialises with a correct Content-Length (the body is counted in bytes). */
export function serialize(msg: SipMsg): string {
  removeHeader(msg, 'content-length');
  const lines = [msg.startLine, ...msg.headers.map(([n, v]) => `${n}: ${v}`)];
  lines.push(`Content-Length: ${Buffer.byteLength(msg.body, 'utf8')}`);
  return `${lines.join('\r\n')}\r\n\r\n${msg.body}`;
}

export function tagOf(headerValue: string | undefined): string | undefined {
  return headerValue ? /;\s*tag=([^;>\s]+)/i.exec(headerValue)?.[1] : undefined;
}

export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export function newBranch(): string {
  return `z9hG4bK${randomBytes(8).toString('hex')}`;
}

/** `host:port` of a SIP URI (`sip:user@host:port;params`), defaulting the port to 5060 as RFC 3263 would for UDP. */
export function hostportOf(uri: string): string {
  const m = /^sips?:(?:[^@]*@)?([^;>?]+)/.exec(uri.replace(/^<|>$/g, ''));
  const hp = m?.[1] ?? uri;
  return hp.includes(':') ? hp : `${hp}:5060`;
}

/** A response to `req` with its Via/From/To/Call-ID/CSeq, as a UAS builds it (RFC 3261 §8.2.6). */
export function responseTo(
  req: SipMsg,
  status: number,
  reason: string,
  opts: { toTag?: string; headers?: Array<[string, string]>; body?: string } = {},
): SipMsg {
  const headers: Array<[string, string]> = [];
  for (const v of getHeaders(req, 'via')) headers.push(['Via', v]);
  headers.push(['From', getHeader(req, 'from') ?? '']);
  let to = getHeader(req, 'to') ?? '';
  if (opts.toTag && !tagOf(to)) to = `${to};tag=${opts.toTag}`;
  headers.push(['To', to]);
  headers.push(['Call-ID', getHeader(req, 'call-id') ?? '']);
  headers.push(['CSeq', getHeader(req, 'cseq') ?? '']);
  headers.push(...(opts.headers ?? []));
  return { startLine: `SIP/2.0 ${status} ${reason}`, status, reason, headers, body: opts.body ?? '' };
}
