/**
 * Employee sign-in (issue 18a): `/me/signin` offers the configured doors — OpenID Connect
 * (authorization code + PKCE; the request in flight rides in a signed, 10-minute cookie) and/or an
 * LDAP bind — and a vouched-for name that matches a fyrkant user becomes a `self` session, the same
 * kind an enrollment link starts. `/me/signout` ends it. Refusals are plain sv/en pages.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LoginThrottle } from '../../domain/login-throttle';
import type { EmployeeSignIn, IdentityResult, OidcPending } from '../../integrations/employee-signin/types';
import { appendCookie, seeOther, sendPage, sessionCookieName, type WebRequest, webRequest } from '../http/context';
import { serializeCookie } from '../http/cookies';
import { sameOriginPost, tokensMatch } from '../http/csrf';
import { field } from '../http/form';
import type { SignInMethod } from '../http/sessions';
import type { MessageKey } from '../i18n';
import { signInPage, signInProblemPage } from '../pages/signin';
import { csrfFailed, csrfOk, type WebDeps } from './shared';

const OIDC_COOKIE = 'fyrkant_oidc';
const OIDC_PATH = '/me/signin/oidc';
const LOGIN_COOKIE = 'fyrkant_signin';
const PENDING_TTL_MS = 10 * 60_000;

const FAILURE_TEXT: Record<Exclude<IdentityResult, { ok: true }>['reason'], MessageKey> = {
  'wrong-password': 'signin.wrongPassword',
  denied: 'signin.denied',
  'not-in-group': 'signin.notInGroup',
  'no-name': 'signin.noName',
  'invalid-response': 'signin.invalidResponse',
  unavailable: 'signin.unavailable',
};

export function registerSignIn(app: FastifyInstance, deps: WebDeps, doors: EmployeeSignIn | undefined): void {
  const { sessions } = deps;
  const ctx = (req: FastifyRequest, reply: FastifyReply) => webRequest(req, reply, deps);
  // The same rule as the admin login (domain/login-throttle.ts): wrong passwords slow further tries
  // from that address for that name, a spray slows the address — a delay, never a lock-out.
  const throttle = deps.loginThrottle ?? new LoginThrottle();

  function showSignIn(
    w: WebRequest,
    reply: FastifyReply,
    o: { error?: string; username?: string; notice?: string },
    status = 200,
  ) {
    let ldap: { csrf: string; username?: string; error?: string } | undefined;
    if (doors?.ldap) {
      const csrf = randomBytes(24).toString('base64url');
      appendCookie(
        reply,
        serializeCookie(LOGIN_COOKIE, csrf, {
          secure: w.secure,
          sameSite: 'Strict',
          path: '/me/signin',
          maxAgeSeconds: 3600,
        }),
      );
      ldap = { csrf, ...(o.username ? { username: o.username } : {}), ...(o.error ? { error: o.error } : {}) };
    }
    return sendPage(
      reply,
      signInPage({
        m: w.m,
        path: w.path,
        ...(doors?.oidc ? { oidc: { label: doors.oidc.label } } : {}),
        ...(ldap ? { ldap } : {}),
        ...(o.notice ? { notice: o.notice } : {}),
      }),
      status,
    );
  }

  function problem(w: WebRequest, reply: FastifyReply, text: string, status: number, title?: string) {
    return sendPage(reply, signInProblemPage(w.m, w.path, title ?? w.m.t('signin.failedTitle'), text), status);
  }

  /** A vouched-for name: a session for the matching user, or the "not set up" page. */
  function signIn(req: FastifyRequest, reply: FastifyReply, w: WebRequest, name: string, method: SignInMethod) {
    const userId = doors?.matchUser(name);
    if (!userId) {
      req.log.info({ method }, 'employee sign-in: no fyrkant user for the signed-in name');
      return problem(w, reply, w.m.t('signin.unknown', { name }), 403, w.m.t('signin.unknownTitle'));
    }
    sessions.destroy(w.cookies[sessionCookieName('self', w.secure)]);
    const session = sessions.create(
      { kind: 'self', userId },
      { method, userAgent: req.headers['user-agent'], ip: req.ip },
    );
    req.log.info({ userId, method }, 'employee signed in to Security info');
    appendCookie(
      reply,
      serializeCookie(sessionCookieName('self', w.secure), session.id, { secure: w.secure, sameSite: 'Lax' }),
    );
    return seeOther(reply, '/me/security');
  }

  function refused(w: WebRequest, reply: FastifyReply, r: Exclude<IdentityResult, { ok: true }>) {
    const status = r.reason === 'unavailable' ? 502 : r.reason === 'invalid-response' ? 400 : 403;
    return problem(w, reply, w.m.t(FAILURE_TEXT[r.reason], { detail: r.detail }), status);
  }

  app.get<{ Querystring: { signedOut?: string } }>('/me/signin', async (req, reply) => {
    const w = ctx(req, reply);
    if (w.session('self')) return seeOther(reply, '/me/security');
    return showSignIn(w, reply, req.query.signedOut ? { notice: w.m.t('signin.signedOut') } : {});
  });

  app.get(OIDC_PATH, async (req, reply) => {
    const w = ctx(req, reply);
    if (!doors?.oidc) return showSignIn(w, reply, {}, 404);
    const started = await doors.oidc.begin();
    if ('error' in started) return problem(w, reply, w.m.t('signin.unavailable'), 502);
    appendCookie(
      reply,
      serializeCookie(OIDC_COOKIE, sessions.seal('oidc', started.pending, PENDING_TTL_MS), {
        secure: w.secure,
        // Lax: the IdP's redirect back is a cross-site top-level GET, which must carry this cookie.
        sameSite: 'Lax',
        path: OIDC_PATH,
        maxAgeSeconds: PENDING_TTL_MS / 1000,
      }),
    );
    return seeOther(reply, started.url);
  });

  app.get(`${OIDC_PATH}/callback`, async (req, reply) => {
    const w = ctx(req, reply);
    if (!doors?.oidc) return showSignIn(w, reply, {}, 404);
    // One use: the pending request is forgotten whatever the outcome.
    appendCookie(
      reply,
      serializeCookie(OIDC_COOKIE, '', { secure: w.secure, sameSite: 'Lax', path: OIDC_PATH, maxAgeSeconds: 0 }),
    );
    const pending = sessions.unseal<OidcPending>('oidc', w.cookies[OIDC_COOKIE]);
    if (!pending) return problem(w, reply, w.m.t('signin.stale'), 400);
    const result = await doors.oidc.finish(req.url, pending);
    if (!result.ok) return refused(w, reply, result);
    return signIn(req, reply, w, result.name, 'oidc');
  });

  app.post('/me/signin/ldap', async (req, reply) => {
    const w = ctx(req, reply);
    if (!doors?.ldap) return showSignIn(w, reply, {}, 404);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const cookieToken = w.cookies[LOGIN_COOKIE];
    const sameOrigin = sameOriginPost({
      origin: req.headers.origin,
      host: req.headers.host,
      secFetchSite: typeof req.headers['sec-fetch-site'] === 'string' ? req.headers['sec-fetch-site'] : undefined,
    });
    if (!cookieToken || !tokensMatch(cookieToken, body._csrf) || !sameOrigin) return csrfFailed(reply, w);
    const username = field(req.body, 'username').slice(0, 200);
    const password = typeof body.password === 'string' ? body.password : '';
    if (!username || !password) return showSignIn(w, reply, { username, error: w.m.t('signin.required') }, 422);
    let result: IdentityResult | undefined;
    const verdict = await throttle.attempt(req.ip, `ldap:${username.toLowerCase()}`, async () => {
      result = await doors.ldap?.check(username, password);
      // A directory that cannot be reached is not a wrong password: it does not slow the user down.
      return result?.ok === true || result?.reason === 'unavailable';
    });
    if (verdict.status === 'busy') return showSignIn(w, reply, { username, error: w.m.t('signin.throttled') }, 429);
    if (!result?.ok) {
      if (!result || result.reason === 'wrong-password')
        return showSignIn(w, reply, { username, error: w.m.t('signin.wrongPassword') }, 401);
      return refused(w, reply, result);
    }
    return signIn(req, reply, w, result.name, 'ldap');
  });

  app.post('/me/signout', async (req, reply) => {
    const w = ctx(req, reply);
    const s = w.session('self');
    if (s) {
      if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
      sessions.destroy(s.id);
      req.log.info({ userId: s.subject.kind === 'self' ? s.subject.userId : undefined }, 'employee signed out');
    }
    appendCookie(
      reply,
      serializeCookie(sessionCookieName('self', w.secure), '', { secure: w.secure, sameSite: 'Lax', maxAgeSeconds: 0 }),
    );
    return seeOther(reply, '/me/signin?signedOut=1');
  });
}
