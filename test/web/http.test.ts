import { html, unsafeRaw } from '../../src/web/html';
import { parseCookies, serializeCookie } from '../../src/web/http/cookies';
import { sameOriginPost, tokensMatch } from '../../src/web/http/csrf';
import { parseForm } from '../../src/web/http/form';
import { SessionStore, takeFlash } from '../../src/web/http/sessions';
import { serviceProblem } from '../../src/web/service-error';

describe('html tag', () => {
  it('escapes interpolated values and keeps trusted markup', () => {
    const name = '<script>alert("x")</script>';
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>',
    );
    expect(html`<div>${html`<b>${"it's"}</b>`}${unsafeRaw('<svg/>')}</div>`.value).toBe(
      '<div><b>it&#39;s</b><svg/></div>',
    );
    expect(html`${[1, 'a&b', null, undefined, false]}`.value).toBe('1a&amp;b');
  });
});

describe('cookies', () => {
  it('parses what browsers send and survives garbage', () => {
    expect(parseCookies('a=1; b=hello%20world; a=2; c="q"')).toEqual({ a: '1', b: 'hello world', c: 'q' });
    expect(parseCookies('bad=%E0%A4%A; =x; novalue')).toEqual({});
    expect(parseCookies(undefined)).toEqual({});
  });

  it('sets HttpOnly and SameSite by default, Secure when asked', () => {
    expect(serializeCookie('s', 'v 1')).toBe('s=v%201; Path=/; HttpOnly; SameSite=Strict');
    expect(serializeCookie('__Host-s', 'v', { secure: true, sameSite: 'Lax', maxAgeSeconds: 0 })).toBe(
      '__Host-s=v; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax',
    );
  });
});

describe('CSRF', () => {
  it('compares tokens in constant time and rejects missing ones', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abc', 'abd')).toBe(false);
    expect(tokensMatch('abc', 'ab')).toBe(false);
    expect(tokensMatch('abc', undefined)).toBe(false);
    expect(tokensMatch('abc', ['abc'])).toBe(false);
  });

  it('accepts same-origin posts and refuses cross-site ones', () => {
    expect(sameOriginPost({ origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080' })).toBe(true);
    expect(sameOriginPost({ host: '127.0.0.1:8080' })).toBe(true);
    expect(sameOriginPost({ origin: 'https://evil.example', host: '127.0.0.1:8080' })).toBe(false);
    expect(sameOriginPost({ origin: 'null', host: 'x' })).toBe(false);
    expect(sameOriginPost({ host: 'x', secFetchSite: 'cross-site' })).toBe(false);
    expect(sameOriginPost({ origin: 'http://x', host: 'x', secFetchSite: 'same-origin' })).toBe(true);
    expect(sameOriginPost({ origin: 'null', host: 'x', secFetchSite: 'same-origin' })).toBe(true);
    expect(sameOriginPost({ origin: 'http://x', host: 'x', secFetchSite: 'same-site' })).toBe(false);
  });
});

describe('forms', () => {
  it('keeps the first of repeated fields', () => {
    expect(parseForm('a=1&b=x+y&a=2&c=%C3%A5')).toEqual({ a: '1', b: 'x y', c: 'å' });
  });
});

describe('sessions', () => {
  it('expire after the idle time and the absolute lifetime', () => {
    let now = 0;
    const store = new SessionStore({ idleMs: 100, absoluteMs: 250, now: () => now });
    const s = store.create({ kind: 'self', userId: 'u1' });
    // <token>.<HMAC of the token> (issue 18a: cookies are signed with http.sessionSecret)
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(s.csrfToken).not.toBe(s.id);
    now = 90;
    expect(store.get(s.id)?.handle).toBe(s.handle);
    now = 180;
    expect(store.get(s.id)?.handle).toBe(s.handle);
    now = 260; // idle only 80 ms, but older than the absolute limit
    expect(store.get(s.id)).toBeUndefined();
    const t = store.create({ kind: 'admin', keyId: 'k', name: 'n' });
    now = 400;
    expect(store.get(t.id)).toBeUndefined();
  });

  it('bounds how many sessions it keeps and hands out one-time flash values', () => {
    const store = new SessionStore({ maxSessions: 3 });
    const first = store.create({ kind: 'self', userId: 'a' });
    for (let i = 0; i < 5; i++) store.create({ kind: 'self', userId: `u${i}` });
    expect(store.size).toBe(3);
    expect(store.get(first.id)).toBeUndefined();
    const s = store.create({ kind: 'self', userId: 'x' });
    s.flash.set('k', 42);
    expect(takeFlash(s, 'k')).toBe(42);
    expect(takeFlash(s, 'k')).toBeUndefined();
  });
});

describe('service errors', () => {
  it('reads per-field messages in the viewer language and the retry delay', () => {
    const err = Object.assign(new Error('x'), {
      status: 422,
      code: 'validation-failed',
      extra: {
        fields: [
          {
            field: 'number',
            code: 'too_short',
            message: 'Too short.',
            messages: { sv: 'För kort.', en: 'Too short.' },
          },
          { field: 'number', code: 'other', message: 'second' },
        ],
      },
    });
    expect(serviceProblem(err, 'sv')).toMatchObject({ status: 422, fields: { number: 'För kort.' } });
    const limited = Object.assign(new Error('slow down'), {
      status: 429,
      code: 'rate-limited',
      extra: { retryAfterSeconds: 42 },
    });
    expect(serviceProblem(limited, 'en')).toMatchObject({ status: 429, retryAfterSeconds: 42, fields: {} });
    expect(serviceProblem(new Error('boom'), 'en')).toBeUndefined();
    expect(serviceProblem(Object.assign(new Error('x'), { status: 500 }), 'en')).toBeUndefined();
    // issue 19: a draining node's 503 is told to the person (try again), not a 500 page.
    const draining = Object.assign(new Error('Den här fyrkant-noden håller på att stängas'), {
      status: 503,
      code: 'node-draining',
      extra: { retryAfterSeconds: 10 },
    });
    expect(serviceProblem(draining, 'sv')).toMatchObject({ status: 503, code: 'node-draining', retryAfterSeconds: 10 });
  });
});
