/** Splitting list values and reading quoted strings, honouring quotes and `<...>`. */
import { trimWsp } from './charset';
/**
 * Split a header value at top-level commas (not inside a quoted string or `<...>`). Values are trimmed;
 * empty elements are kept (as '') so callers can reject `a,,b` where the grammar forbids it.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c) inAngle = true;
    else if (c === 0x3e) inAngle = false;
    else if (c === 0x2c && !inAngle) {
      out.push(trimWsp(value.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimWsp(value.slice(start)));
  return out;
}

/**
 * Read a quoted-string starting at `s[i] === '"'`. Returns the unescaped content and the index after
 * the closing quote, or undefined when it is not terminated.
 */
export function readQuoted(s: string, i: number): { value: string; end: number } | undefined {
  let out = '';
  let runStart = i + 1;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) {
      if (j + 1 >= s.length) return undefined;
      out += s.slice(runStart, j) + s[j + 1];
      j++;
      runStart = j + 1;
    } else if (c === 0x22) {
      return { value: out + s.slice(runStart, j), end: j + 1 };
    }
  }
  return undefined;
}

/** Quote a string for a display name or parameter value. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  }
  return `${out}"`;
}
