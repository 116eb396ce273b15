/** Header names: compact forms (RFC 3261 §7.3.3 and later RFCs), canonical spelling, list-valued headers. */

const COMPACT: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

/** Lower-case full name for any spelling (case-insensitive, compact forms expanded). */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT[lower] ?? lower;
  return lower;
}

const DISPLAY: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'p-asserted-identity': 'P-Asserted-Identity',
  'mime-version': 'MIME-Version',
  rack: 'RAck',
  rseq: 'RSeq',
  'min-se': 'Min-SE',
};

/** How we spell a header on the wire (`content-length` → `Content-Length`). */
export function displayName(canonical: string): string {
  const known = DISPLAY[canonical];
  if (known) return known;
  let out = '';
  let upper = true;
  for (let i = 0; i < canonical.length; i++) {
    const ch = canonical[i]!;
    out += upper ? ch.toUpperCase() : ch;
    upper = ch === '-';
  }
  return out;
}

/**
 * Headers whose value is a comma-separated list (RFC 3261 §7.3.1): several lines of them are one list,
 * and one line may hold several values. Authorization and WWW-Authenticate are deliberately absent:
 * their single value contains commas.
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'allow-events',
  'content-encoding',
  'content-language',
  'in-reply-to',
  'warning',
  'call-info',
  'alert-info',
  'error-info',
  'p-asserted-identity',
  'path',
  'service-route',
  'reason',
]);

/** Headers that may appear at most once (RFC 4475 §3.3.8, §3.3.9: more than one is a 400). */
export const SINGLE_HEADERS: readonly string[] = [
  'to',
  'from',
  'call-id',
  'cseq',
  'max-forwards',
  'content-length',
  'content-type',
];
