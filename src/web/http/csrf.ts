/**
 * CSRF defence for form posts, two layers: the session's synchronizer token must come back in the
 * form (`_csrf`), and a browser-sent `Origin` (or `Sec-Fetch-Site`) must say the post came from our
 * own pages. SameSite=Strict cookies are a third layer, but not one to rely on alone.
 */
import { timingSafeEqual } from 'node:crypto';

export function tokensMatch(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when the request's Origin / Sec-Fetch-Site headers do not contradict a same-origin post. */
export function sameOriginPost(headers: {
  readonly origin?: string | undefined;
  readonly host?: string | undefined;
  readonly secFetchSite?: string | undefined;
}): boolean {
  // Fetch metadata is the most direct answer where the browser sends it.
  const site = headers.secFetchSite;
  if (site) return site === 'same-origin';
  if (!headers.origin) return true; // Older clients and curl send none; the token still protects.
  if (headers.origin === 'null') return false;
  try {
    return new URL(headers.origin).host === headers.host;
  } catch {
    return false;
  }
}
