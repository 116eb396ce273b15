/**
 * SIP requests and responses. Headers are kept as received (name as written, value unfolded and
 * trimmed) so the trace shows what came in; typed accessors parse on first use and cache. Incoming
 * messages were validated by the parser, so their typed accessors do not fail.
 */
import { parseUint, trimWsp } from './charset';
import { canonicalName, LIST_HEADERS } from './header-names';
import { splitList } from './lists';
import { type NameAddr, parseNameAddr } from './name-addr';
import { parseUri, type Uri } from './uri';
import { parseVia, type Via } from './via';

export interface HeaderField {
  /** Canonical lower-case full name (`v` → `via`). */
  readonly name: string;
  /** The name as written on the wire (or as we spell it). */
  readonly wireName: string;
  readonly value: string;
}

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

const EMPTY = Buffer.alloc(0);
/** Memo marker for "parsed, and it was not valid". */
const NONE = Symbol('none');

abstract class SipMessageBase {
  headers: HeaderField[];
  body: Buffer;
  private cache = new Map<string, unknown>();

  constructor(headers: HeaderField[] = [], body: Buffer = EMPTY) {
    this.headers = headers;
    this.body = body;
  }

  /** First value of a header (any spelling: `Call-ID`, `call-id`, `i`). */
  get(name: string): string | undefined {
    const n = canonicalName(name);
    for (const h of this.headers) if (h.name === n) return h.value;
    return undefined;
  }

  /** Every value; list headers are split at top-level commas. */
  getAll(name: string): string[] {
    const n = canonicalName(name);
    const out: string[] = [];
    const split = LIST_HEADERS.has(n);
    for (const h of this.headers) {
      if (h.name !== n) continue;
      if (split) for (const v of splitList(h.value)) out.push(v);
      else out.push(h.value);
    }
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Count header lines with this name (not list elements). */
  count(name: string): number {
    const n = canonicalName(name);
    let c = 0;
    for (const h of this.headers) if (h.name === n) c++;
    return c;
  }

  /** Append a header line. */
  add(name: string, value: string, wireName?: string): this {
    const n = canonicalName(name);
    this.headers.push({ name: n, wireName: wireName ?? name, value });
    this.cache.delete(n);
    return this;
  }

  /** Prepend a header line (e.g. our Via on top). */
  prepend(name: string, value: string): this {
    const n = canonicalName(name);
    this.headers.unshift({ name: n, wireName: name, value });
    this.cache.delete(n);
    return this;
  }

  /** Replace every line of this header with one value (or remove it when value is undefined). */
  set(name: string, value: string | undefined): this {
    const n = canonicalName(name);
    const idx = this.headers.findIndex((h) => h.name === n);
    this.headers = this.headers.filter((h) => h.name !== n);
    if (value !== undefined) {
      const field = { name: n, wireName: name, value };
      if (idx >= 0) this.headers.splice(idx, 0, field);
      else this.headers.push(field);
    }
    this.cache.delete(n);
    return this;
  }

  /** Replace the first Via value only (the transport stamps received/rport on it, RFC 3581). */
  replaceTopVia(value: string): void {
    const idx = this.headers.findIndex((h) => h.name === 'via');
    if (idx < 0) return;
    const line = this.headers[idx]!;
    const values = splitList(line.value);
    values[0] = value;
    this.headers[idx] = { ...line, value: values.join(', ') };
    this.cache.delete('via');
  }

  remove(name: string): this {
    return this.set(name, undefined);
  }

  // Memoised typed views. No closures on the hot path: the parser validates through these accessors.
  private memo(key: string): unknown {
    return this.cache.get(key);
  }

  private keep<T>(key: string, value: T): T {
    this.cache.set(key, value === undefined ? NONE : value);
    return value;
  }

  /** All Via values, top first; entries that do not parse are undefined. */
  viaList(): Array<Via | undefined> {
    const c = this.memo('via');
    return c !== undefined ? (c as Array<Via | undefined>) : this.keep('via', this.getAll('via').map(parseVia));
  }

  /** Top Via (validated on incoming messages). */
  get via(): Via {
    const v = this.viaList()[0];
    if (!v) throw new Error('message has no valid Via');
    return v;
  }

  get callId(): string {
    return this.get('call-id') ?? '';
  }

  get cseq(): CSeq {
    return this.cseqParsed() ?? { seq: 0, method: '' };
  }

  cseqValid(): boolean {
    return this.cseqParsed() !== undefined;
  }

  private cseqParsed(): CSeq | undefined {
    const c = this.memo('cseq');
    if (c !== undefined) return c === NONE ? undefined : (c as CSeq);
    return this.keep('cseq', parseCSeq(this.get('cseq') ?? ''));
  }

  private nameAddr(key: string): NameAddr | undefined {
    const c = this.memo(key);
    if (c !== undefined) return c === NONE ? undefined : (c as NameAddr);
    return this.keep(key, parseNameAddr(this.get(key) ?? ''));
  }

  private nameAddrList(key: string): Array<NameAddr | undefined> {
    const c = this.memo(key);
    if (c !== undefined) return c as Array<NameAddr | undefined>;
    const all = this.getAll(key);
    // Contact: * (RFC 3261 §10.2.2) is no address at all.
    if (key === 'contact' && all.length === 1 && all[0] === '*') return this.keep(key, []);
    return this.keep(key, all.map(parseNameAddr));
  }

  fromAddr(): NameAddr | undefined {
    return this.nameAddr('from');
  }

  toAddr(): NameAddr | undefined {
    return this.nameAddr('to');
  }

  get fromTag(): string | undefined {
    return this.fromAddr()?.tag;
  }

  get toTag(): string | undefined {
    return this.toAddr()?.tag;
  }

  /** Contact values (an entry is undefined when it does not parse); `*` yields []. */
  contacts(): Array<NameAddr | undefined> {
    return this.nameAddrList('contact');
  }

  recordRoutes(): Array<NameAddr | undefined> {
    return this.nameAddrList('record-route');
  }

  routes(): Array<NameAddr | undefined> {
    return this.nameAddrList('route');
  }

  get contentType(): string | undefined {
    const v = this.get('content-type');
    if (v === undefined) return undefined;
    const semi = v.indexOf(';');
    return trimWsp(semi >= 0 ? v.slice(0, semi) : v).toLowerCase();
  }

  /** Declared Content-Length, undefined when absent or not a number. */
  get contentLength(): number | undefined {
    const v = this.get('content-length');
    return v === undefined ? undefined : parseUint(v, 0x7fffffff);
  }

  get bodyText(): string {
    return this.body.length ? this.body.toString('utf8') : '';
  }

  /** Option tags of Supported/Require/etc., lower-cased. */
  tags(name: string): string[] {
    return this.getAll(name)
      .map((t) => t.toLowerCase())
      .filter((t) => t.length > 0);
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  constructor(
    public method: string,
    public uri: string,
    headers?: HeaderField[],
    body?: Buffer,
  ) {
    super(headers, body);
  }

  /** The Request-URI parsed (undefined when not a URI we can read). */
  requestUri(): Uri | undefined {
    return parseUri(this.uri);
  }

  get startLine(): string {
    return `${this.method} ${this.uri} SIP/2.0`;
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  constructor(
    public status: number,
    public reason: string,
    headers?: HeaderField[],
    body?: Buffer,
  ) {
    super(headers, body);
  }

  get startLine(): string {
    return `SIP/2.0 ${this.status} ${this.reason}`;
  }
}

export type SipMessage = SipRequest | SipResponse;

/** CSeq = 1*DIGIT LWS Method; the number must be below 2**31 (RFC 3261 §8.1.1.5). */
export function parseCSeq(value: string): CSeq | undefined {
  const v = trimWsp(value);
  let i = 0;
  while (i < v.length && v.charCodeAt(i) >= 0x30 && v.charCodeAt(i) <= 0x39) i++;
  const seq = parseUint(v.slice(0, i), 0x7fffffff);
  if (seq === undefined) return undefined;
  const method = trimWsp(v.slice(i));
  if (method.length === 0 || i === v.length || (v.charCodeAt(i) !== 0x20 && v.charCodeAt(i) !== 0x09)) return undefined;
  for (let k = 0; k < method.length; k++) {
    const c = method.charCodeAt(k);
    if (c <= 0x20 || c >= 0x7f) return undefined;
  }
  return { seq, method };
}
