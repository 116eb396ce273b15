/**
 * Admin routes: API-key login to a session cookie, then dashboard, users, attempts and IVR scripts.
 * Every page and action needs an admin session; every POST needs the session's CSRF token.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiKeyPrefix } from '../../domain/api-keys/key';
import { LoginThrottle } from '../../domain/login-throttle';
import { checkAttemptFilter, readAttemptFilter } from '../attempt-filter';
import { bucketise } from '../chart/outcomes';
import { appendCookie, seeOther, sendPage, sessionCookieName, type WebRequest, webRequest } from '../http/context';
import { serializeCookie } from '../http/cookies';
import { tokensMatch } from '../http/csrf';
import { field } from '../http/form';
import type { Session } from '../http/sessions';
import { attemptDetailPage, attemptsPage } from '../pages/admin-attempts';
import { type ChartRange, dashboardPage } from '../pages/admin-dashboard';
import type { AdminContext } from '../pages/admin-frame';
import { loginPage } from '../pages/admin-frame';
import { radiusPage } from '../pages/admin-radius';
import { csrfFailed, csrfOk, notFoundPage, type WebDeps } from './shared';

const LOGIN_CSRF_COOKIE = 'fyrkant_login';

export function registerAdmin(app: FastifyInstance, deps: WebDeps): void {
  const { services, sessions } = deps;
  // Failed logins slow down per (address, key prefix) and per address across prefixes; the right key
  // always gets in after the wait, so nobody can lock an admin out (domain/login-throttle.ts).
  const throttle = deps.loginThrottle ?? new LoginThrottle();

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

  /** A signed-in admin's page or form handler. */
  type AdminHandler = (
    req: FastifyRequest,
    reply: FastifyReply,
    w: WebRequest,
    s: Session,
  ) => Promise<FastifyReply> | FastifyReply;

  function adminCtx(w: WebRequest, s: Session): AdminContext {
    return { m: w.m, path: w.path, csrf: s.csrfToken };
  }

  const page = (url: string, handler: AdminHandler) =>
    app.get(url, async (req, reply) => {
      const w = webRequest(req, reply, deps);
      const s = adminSession(w, reply);
      if (!s) return reply;
      reply.header('cache-control', 'no-store');
      return handler(req, reply, w, s);
    });

  const action = (url: string, handler: AdminHandler) =>
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
    const key = field(body, 'key');
    let principal: Awaited<ReturnType<typeof services.verifyAdminKey>>;
    const verdict = await throttle.attempt(req.ip, apiKeyPrefix(key) ?? '(not a key)', async () => {
      principal = key ? await services.verifyAdminKey(key) : undefined;
      return principal !== undefined;
    });
    if (verdict.status === 'busy') return showLogin(req, reply, w, w.m.t('admin.login.tooMany'), 429);
    if (!principal) return showLogin(req, reply, w, w.m.t('admin.login.bad'), 401);
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
        coverage: deps.admin.services.users.coverage(),
        ...(services.nodes ? { nodes: services.nodes() } : {}),
      }),
    );
  });

  // Users, bulk enrollment and the security views: routes/admin-people.ts, routes/admin-security.ts.

  // --- Attempts (the filter is checked: a bad value is an error next to its field, not ignored)
  page('/admin/attempts', (req, reply, w, s) => {
    const filter = readAttemptFilter(req.query);
    const script = ((req.query ?? {}) as Record<string, unknown>).script;
    const { query, errors } = checkAttemptFilter(
      filter,
      w.m,
      (name) => services.findUsers(name, 20).find((u) => u.username === name)?.id,
    );
    const bad = Object.keys(errors).length > 0;
    const attempts = bad
      ? []
      : services.listAttempts({
          limit: 200,
          ...query,
          ...(typeof script === 'string' && script ? { scriptHash: script.slice(0, 100) } : {}),
        });
    return sendPage(
      reply,
      attemptsPage(adminCtx(w, s), filter, attempts, usernames(attempts.map((a) => a.userId)), { errors }),
      bad ? 422 : 200,
    );
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
