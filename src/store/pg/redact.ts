/** PostgreSQL URLs in messages and logs: the password is replaced by `***`, never shown. */

/** The URL with its password replaced by `***`; an unparseable one shows only its scheme. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '';
    return `${scheme}//(unparseable URL hidden)`;
  }
}

/** Where a URL points, for messages: `host:port/database`. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname.length > 1 ? u.pathname : '/(no database)'}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Removes the URL and its password from any text, e.g. a driver's error message. */
export function scrub(text: string, url: string): string {
  let out = url ? text.split(url).join(redactUrl(url)) : text;
  out = out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  try {
    const pw = decodeURIComponent(new URL(url).password);
    if (pw) out = out.split(pw).join('***');
  } catch {
    // nothing more to hide
  }
  return out;
}
