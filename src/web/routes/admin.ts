/**
 * Admin routes: API-key login to a session cookie, then dashboard, users, attempts and IVR scripts.
 * Every page and action needs an admin session; every POST needs the session's CSRF token.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isCallOutcome } from '../../domain/call-outcomes';
import { bucketise } from '../chart/outcomes';
import { appendCookie, seeOther, sendPage, sessionCookieName, type WebRequest, webRequest } from '../http/context';
import { serializeCookie } from '../http/cookies';
import { tokensMatch } from '../http/csrf';
import { field } from '../http/form';
import type { Session } from '../http/sessions';
import { takeFlash } from '../http/sessions';
import { attemptDetailPage, attemptsPage } from '../pages/admin-attempts';
import { type ChartRange, dashboardPage } from '../pages/admin-dashboard';
import type { AdminContext } from '../pages/admin-frame';
import { loginPage } from '../pages/admin-frame';
import { radiusPage } from '../pages/admin-radius';
import { userPage, usersPage } from '../pages/admin-users';
import { serviceProblem } from '../service-error';
import { actorOfSession, csrfFailed, csrfOk, notFoundPage, type WebDeps } from './shared';

const LOGIN_CSRF_COOKIE = 'fyrkant_login';
const MAX_FAILED_LOGINS_PER_MINUTE = 10;

export function registerAdmin(app: FastifyInstance, deps: WebDeps): void {
  const { services, sessions } = deps;
  const failedLogins = new Map<string, { count: number; since: number }>();

  function loginThrottled(ip: string): boolean {
    const now = deps.now();
    const entry = failedLogins.get(ip);
    if (!entry || now - entry.since > 60_000) return false;
    return entry.count >= MAX_FAILED_LOGINS_PER_MINUTE;
  }
  function noteFailedLogin(ip: string): void {
    const now = deps.now();
    const entry = failedLogins.get(ip);
    if (!entry || now - entry.since > 60_000) failedLogins.set(ip, { count: 1, since: now });
    else entry.count++;
    if (failedLogins.size > 10_000) failedLogins.clear();
  }

  /** Login form CSRF: a double-submit token, since there is no session yet. */
  function showLogin(req: FastifyRequest, reply: FastifyReply, w: WebRequest, error?: string, status = 200) {
    const token = randomBytes(24).toString('base64url');
    appendCookie(
      reply,
      serializeCookie(LOGIN_CSRF_COOKIE, token, {
        secure: w.secure,
        sameSite: 'Strict',
        path: '/admin',
        maxAgeSeconds: 3600,
      }),
    );
    void req;
    return sendPage(reply, loginPage(w.m, w.path, token, error), status);
  }

  /** The admin session, or a redirect to the login page (undefined = already answered). */
  function adminSession(w: WebRequest, reply: FastifyReply): Session | undefined {
    const s = w.session('admin');
    if (!s) void seeOther(reply, '/admin/login');
    return s;
  }

  function adminCtx(w: WebRequest, s: Session): AdminContext {
    return { m: w.m, path: w.path, csrf: s.csrfToken };
  }

  const page = (
    url: string,
    handler: (
      req: FastifyRequest,
      reply: FastifyReply,
      w: WebRequest,
      s: Session,
    ) => Promise<FastifyReply> | FastifyReply,
  ) =>
    app.get(url, async (req, reply) => {
      const w = webRequest(req, reply, deps);
      const s = adminSession(w, reply);
      if (!s) return reply;
      reply.header('cache-control', 'no-store');
      return handler(req, reply, w, s);
    });

  const action = (
    url: string,
    handler: (
      req: FastifyRequest,
      reply: FastifyReply,
      w: WebRequest,
      s: Session,
    ) => Promise<FastifyReply> | FastifyReply,
  ) =>
    app.post(url, async (req, reply) => {
      const w = webRequest(req, reply, deps);
      const s = adminSession(w, reply);
      if (!s) return reply;
      if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
      return handler(req, reply, w, s);
    });

  // --- Login / logout
  app.get('/admin/login', async (req, reply) => {
    const w = webRequest(req, reply, deps);
    if (w.session('admin')) return seeOther(reply, '/admin');
    return showLogin(req, reply, w);
  });

  app.post('/admin/login', async (req, reply) => {
    const w = webRequest(req, reply, deps);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const expected = w.cookies[LOGIN_CSRF_COOKIE];
    if (!expected || !tokensMatch(expected, body._csrf) || !csrfOk(req, expected)) return csrfFailed(reply, w);
    if (loginThrottled(req.ip)) return showLogin(req, reply, w, w.m.t('admin.login.tooMany'), 429);
    const key = field(body, 'key');
    const principal = key ? await services.verifyAdminKey(key) : undefined;
    if (!principal) {
      noteFailedLogin(req.ip);
      return showLogin(req, reply, w, w.m.t('admin.login.bad'), 401);
    }
    // A fresh session id at login (no fixation); the key itself is never kept.
    sessions.destroy(w.cookies[sessionCookieName('admin', w.secure)]);
    const s = sessions.create({ kind: 'admin', keyId: principal.keyId, name: principal.name });
    appendCookie(
      reply,
      serializeCookie(sessionCookieName('admin', w.secure), s.id, { secure: w.secure, sameSite: 'Strict' }),
    );
    appendCookie(reply, serializeCookie(LOGIN_CSRF_COOKIE, '', { secure: w.secure, path: '/admin', maxAgeSeconds: 0 }));
    return seeOther(reply, '/admin');
  });

  action('/admin/logout', (_req, reply, w, s) => {
    sessions.destroy(s.id);
    appendCookie(
      reply,
      serializeCookie(sessionCookieName('admin', w.secure), '', { secure: w.secure, maxAgeSeconds: 0 }),
    );
    return seeOther(reply, '/admin/login');
  });

  function usernames(ids: Iterable<string | null>): Map<string, string> {
    const out = new Map<string, string>();
    for (const id of ids) {
      if (!id || out.has(id)) continue;
      const u = services.getUser(id);
      if (u) out.set(id, u.username);
    }
    return out;
  }

  // --- Dashboard
  page('/admin', async (req, reply, w, s) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const range: ChartRange = q.range === 'week' ? 'week' : 'day';
    const now = deps.now();
    const bucketMs = range === 'day' ? 3600_000 : 86400_000;
    const buckets = range === 'day' ? 24 : 14;
    const since = Math.floor(now / bucketMs) * bucketMs - (buckets - 1) * bucketMs;
    const active = services.activeAttempts();
    const health = await services.health().catch(() => undefined);
    return sendPage(
      reply,
      dashboardPage(adminCtx(w, s), {
        range,
        buckets: bucketise(services.outcomeCounts(since, bucketMs), since, bucketMs, buckets),
        active,
        usernames: usernames(active.map((a) => a.userId)),
        health,
      }),
    );
  });

  // --- Users
  page('/admin/users', (req, reply, w, s) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const search = typeof q.q === 'string' ? q.q.trim().slice(0, 100) : '';
    return sendPage(
      reply,
      usersPage(adminCtx(w, s), { search, users: services.findUsers(search, 100), now: deps.now() }),
    );
  });

  action('/admin/users', async (req, reply, w, s) => {
    const values = {
      username: field(req.body, 'username'),
      displayName: field(req.body, 'displayName'),
      language: field(req.body, 'language') || 'sv-SE',
    };
    try {
      const user = await services.createUser(values, actorOfSession(s));
      s.flash.set('notice', w.m.t('users.created'));
      return seeOther(reply, `/admin/users/${user.id}`);
    } catch (err) {
      const p = serviceProblem(err, w.m.lang);
      if (!p) throw err;
      const errors: Record<string, string> = {};
      for (const [f, msg] of Object.entries(p.fields))
        errors[f === 'displayName' ? 'displayName' : f === 'language' ? 'language' : 'username'] ??= msg;
      if (Object.keys(errors).length === 0) errors.username = p.message;
      return sendPage(
        reply,
        usersPage(adminCtx(w, s), { search: '', users: services.findUsers('', 100), errors, values, now: deps.now() }),
        p.status,
      );
    }
  });

  function renderUser(reply: FastifyReply, w: WebRequest, s: Session, id: string) {
    const user = services.getUser(id);
    if (!user) return notFoundPage(reply, w);
    const link = takeFlash<{ url: string; expiresAt: number }>(s, `link:${id}`);
    const notice = takeFlash<string>(s, 'notice');
    const error = takeFlash<string>(s, 'error');
    return sendPage(
      reply,
      userPage(adminCtx(w, s), {
        user,
        methods: services.listPhoneMethods(id),
        attempts: services.listAttempts({ userId: id, limit: 20 }),
        appPasswords: services.listAppPasswords(id),
        now: deps.now(),
        ...(link ? { link } : {}),
        ...(notice ? { notice } : {}),
        ...(error ? { error } : {}),
      }),
    );
  }

  page('/admin/users/:id', (req, reply, w, s) => renderUser(reply, w, s, (req.params as { id: string }).id));

  /** A user action that ends on the user page with a notice (or the service's error). */
  const userAction = (
    suffix: string,
    run: (id: string, req: FastifyRequest, w: WebRequest, s: Session) => Promise<void>,
  ) =>
    action(`/admin/users/:id/${suffix}`, async (req, reply, w, s) => {
      const { id, aid } = req.params as { id: string; aid?: string };
      void aid;
      if (!services.getUser(id)) return notFoundPage(reply, w);
      try {
        await run(id, req, w, s);
      } catch (err) {
        const p = serviceProblem(err, w.m.lang);
        if (!p) throw err;
        s.flash.set('error', Object.values(p.fields)[0] ?? p.message);
      }
      return seeOther(reply, `/admin/users/${id}`);
    });

  const clampInt = (raw: string, min: number, max: number, fallback: number) => {
    const n = Number.parseInt(raw, 10);
    return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
  };

  userAction('block', async (id, req, w, s) => {
    const days = clampInt(field(req.body, 'days'), 1, 3650, 90);
    const until = deps.now() + days * 86400_000;
    await services.blockUser(id, until, actorOfSession(s));
    s.flash.set('notice', w.m.t('user.blockedUntil', { time: w.m.dateTime(until) }));
  });
  userAction('unblock', async (id, _req, w, s) => {
    await services.blockUser(id, null, actorOfSession(s));
    s.flash.set('notice', w.m.t('user.notBlocked'));
  });
  userAction('bypass', async (id, req, w, s) => {
    const minutes = clampInt(field(req.body, 'minutes'), 1, 1440, 5);
    const { expiresAt } = await services.createBypass(id, minutes, actorOfSession(s));
    s.flash.set('notice', w.m.t('user.bypassCreated', { time: w.m.dateTime(expiresAt) }));
  });
  userAction('enrollment-link', async (id, _req, _w, s) => {
    const link = await services.createEnrollmentLink(id, actorOfSession(s));
    s.flash.set(`link:${id}`, link);
  });
  userAction('app-passwords/:aid/revoke', async (id, req, w, s) => {
    const { aid } = req.params as { aid: string };
    await services.revokeAppPassword(id, aid, actorOfSession(s));
    s.flash.set('notice', w.m.t('sec.revoked'));
  });

  // --- Attempts
  page('/admin/attempts', (req, reply, w, s) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).trim().slice(0, 100) : '');
    const filter = { outcome: str('outcome'), purpose: str('purpose'), user: str('user'), since: str('since') };
    const sinceMs = /^\d{4}-\d{2}-\d{2}$/.test(filter.since) ? Date.parse(`${filter.since}T00:00:00`) : Number.NaN;
    let userId: string | undefined;
    if (filter.user) userId = services.findUsers(filter.user, 1).find((u) => u.username === filter.user)?.id ?? '-';
    const attempts = services.listAttempts({
      limit: 200,
      ...(userId ? { userId } : {}),
      ...(isCallOutcome(filter.outcome) ? { outcome: filter.outcome } : {}),
      ...(['enrollment', 'sign-in', 'test'].includes(filter.purpose) ? { purpose: filter.purpose } : {}),
      ...(Number.isFinite(sinceMs) ? { since: sinceMs } : {}),
      ...(str('script') ? { scriptHash: str('script') } : {}),
    });
    return sendPage(reply, attemptsPage(adminCtx(w, s), filter, attempts, usernames(attempts.map((a) => a.userId))));
  });

  page('/admin/attempts/:id', (req, reply, w, s) => {
    const a = services.getAttempt((req.params as { id: string }).id);
    if (!a) return notFoundPage(reply, w);
    const username = a.userId ? services.getUser(a.userId)?.username : undefined;
    const showSteps = (req.query as Record<string, unknown> | undefined)?.steps === '1';
    return sendPage(reply, attemptDetailPage(adminCtx(w, s), a, username, services.attemptTrace(a.id), showSteps));
  });

  // --- IVR scripts: routes/admin-scripts.ts (issue 15)

  page('/admin/radius', (_req, reply, w, s) =>
    sendPage(
      reply,
      radiusPage(adminCtx(w, s), services.radius?.() ?? { enabled: false, listening: null, clients: [], recent: [] }),
    ),
  );
}
