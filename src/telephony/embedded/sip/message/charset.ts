/**
 * Character classes of the RFC 3261 §25 grammar as lookup tables. The parser scans with
 * `charCodeAt` against these instead of regular expressions: no backtracking, no allocation.
 */

function table(chars: string, ranges: ReadonlyArray<readonly [number, number]> = []): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [a, b] of ranges) for (let c = a; c <= b; c++) t[c] = 1;
  return t;
}

const ALNUM: ReadonlyArray<readonly [number, number]> = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", ALNUM);
/** unreserved = alphanum / mark */
const UNRESERVED = "-_.!~*'()";
/** user = 1*( unreserved / escaped / user-unreserved ) */
export const USER = table(UNRESERVED + '&=+$,;?/%', ALNUM);
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
export const PASSWORD = table(UNRESERVED + '&=+$,%', ALNUM);
/** hostname / IPv4 (IPv6 references are scanned separately). `_` tolerated: seen in the wild. */
export const HOST = table('-._', ALNUM);
/** paramchar = param-unreserved / unreserved / escaped */
export const PARAMCHAR = table(UNRESERVED + '[]/:&+$%', ALNUM);
/** hname/hvalue chars = hnv-unreserved / unreserved / escaped */
export const HNVCHAR = table(UNRESERVED + '[]/?:+$%', ALNUM);
/** Characters of a URI scheme after its first letter. */
export const SCHEME = table('+-.', ALNUM);
/** word (Call-ID) = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}" ) */
export const WORD = table('-.!%*_+`\'~()<>:\\"/[]?{}', ALNUM);

export function inTable(t: Uint8Array, code: number): boolean {
  return code < 128 && t[code] === 1;
}

export function isWsp(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

export function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isHex(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/** True when every char of s[from, to) is in `t` and every `%` starts a valid escape. */
export function allIn(t: Uint8Array, s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] !== 1) return false;
    if (c === 0x25 && !(i + 2 < to && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2)))) return false;
  }
  return true;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

/** Skip spaces and tabs from `i`; returns the first other index. */
export function skipWsp(s: string, i: number, end = s.length): number {
  while (i < end && isWsp(s.charCodeAt(i))) i++;
  return i;
}

/** Index after the last non-space char before `end`. */
export function trimEnd(s: string, start: number, end: number): number {
  while (end > start && isWsp(s.charCodeAt(end - 1))) end--;
  return end;
}

/** Strict unsigned decimal; undefined when empty, not all digits or above `max`. */
export function parseUint(s: string, max: number): number | undefined {
  if (s.length === 0 || s.length > 16) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return undefined;
    n = n * 10 + (c - 0x30);
  }
  return n <= max ? n : undefined;
}

/** %XX-decode (RFC 3261 §19.1.4 compares unescaped). Invalid escapes are kept literally. */
export function unescapePercent(s: string): string {
  if (s.indexOf('%') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += String.fromCharCode(Number.parseInt(s.substr(i + 1, 2), 16));
      i += 2;
    } else out += s[i];
  }
  return out;
}

/** Trim SIP LWS (SP / HTAB) only — `String.prototype.trim` would also eat U+FEFF and other Unicode spaces. */
export function trimWsp(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
