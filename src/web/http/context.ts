/**
 * Per-request view of the web UI: the chosen language, the session (if any) and helpers to answer
 * with a page, a redirect or set a cookie. Route files use this and never parse headers themselves.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Html } from '../html';
import { chooseLanguage, type Messages, messages, type UiLanguage } from '../i18n';
import { parseCookies, serializeCookie } from './cookies';
import type { Session, SessionStore } from './sessions';

export const LANG_COOKIE = 'fyrkant_lang';

export interface WebContextOptions {
  readonly sessions: SessionStore;
  readonly defaultLanguage: UiLanguage;
  /** `auto`: Secure cookies when the request came over HTTPS (behind a proxy: set Fastify's trustProxy). */
  readonly secureCookies: 'auto' | 'always' | 'never';
}

export interface WebRequest {
  readonly m: Messages;
  readonly cookies: Readonly<Record<string, string>>;
  readonly secure: boolean;
  /** Path and query as requested (for the language switch). */
  readonly path: string;
  session(kind: Session['subject']['kind']): Session | undefined;
}

export function sessionCookieName(kind: Session['subject']['kind'], secure: boolean): string {
  // `__Host-` cookies must be Secure, host-only and Path=/ — browsers enforce it, which stops
  // a sibling subdomain from planting a session cookie.
  return `${secure ? '__Host-' : ''}fyrkant_${kind}`;
}

export function webRequest(req: FastifyRequest, reply: FastifyReply, o: WebContextOptions): WebRequest {
  const cookies = parseCookies(req.headers.cookie);
  const secure = o.secureCookies === 'always' || (o.secureCookies === 'auto' && req.protocol === 'https');
  const query = (req.query ?? {}) as Record<string, unknown>;
  const lang = chooseLanguage({
    query: query.lang,
    cookie: cookies[LANG_COOKIE],
    acceptLanguage: req.headers['accept-language'],
    fallback: o.defaultLanguage,
  });
  if (typeof query.lang === 'string' && query.lang === lang && cookies[LANG_COOKIE] !== lang) {
    appendCookie(
      reply,
      serializeCookie(LANG_COOKIE, lang, { maxAgeSeconds: 365 * 86400, sameSite: 'Lax', secure, httpOnly: true }),
    );
  }
  return {
    m: messages(lang),
    cookies,
    secure,
    path: req.url,
    session: (kind) => {
      const s = o.sessions.get(cookies[sessionCookieName(kind, secure)]);
      return s && s.subject.kind === kind ? s : undefined;
    },
  };
}

export function appendCookie(reply: FastifyReply, cookie: string): void {
  const prev = reply.getHeader('set-cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev.map(String) : [String(prev)];
  reply.header('set-cookie', [...list, cookie]);
}

export function sendPage(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body.value);
}

/** 303 See Other: after a POST the browser GETs the next page (no resubmission on reload). */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).send();
}
