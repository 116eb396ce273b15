/**
 * Admin pages for people (issue 18b): the user list by registration status with search, filters and
 * bulk enrollment links (CSV download or e-mail), a user's page with edit, delete, reset / re-require
 * methods, block / unblock with a reason and bypass with an explanation, and the progress page of an
 * e-mail send. Rules are in the services (`AdminWeb`); this file maps forms to calls and back.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bulkLinksCsv, MAX_BULK_USERS } from '../../services/enrollment/bulk-links';
import { isRegistrationStatus, type RegistrationStatus } from '../../services/users/registration';
import type { Outcome } from '../../services/users/service';
import type { AdminWeb } from '../admin-ports';
import { appendCookie, seeOther, sendPage, type WebRequest } from '../http/context';
import { serializeCookie } from '../http/cookies';
import { field } from '../http/form';
import { type Session, takeFlash } from '../http/sessions';
import { mailBatchPage } from '../pages/admin-mail';
import { type UserListQuery, userPage, usersPage } from '../pages/admin-users';
import { serviceProblem } from '../service-error';
import { adminKit } from './admin-guard';
import { actorOfSession, notFoundPage, type WebDeps } from './shared';

/** A service outcome's first problem in the viewer's language (for a flash notice), or undefined if ok. */
export function outcomeError<T>(o: Outcome<T>, w: WebRequest): string | undefined {
  if (o.ok) return undefined;
  if (o.error === 'not-found') return w.m.t('common.notFound');
  if (o.error === 'conflict') return o.message[w.m.lang];
  return o.problems.map((p) => p.message[w.m.lang]).join(' ');
}

function listQuery(req: FastifyRequest): UserListQuery & { error?: 'status' } {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const search = typeof q.q === 'string' ? q.q.trim().slice(0, 100) : '';
  const raw = typeof q.status === 'string' ? q.status : '';
  if (raw && !isRegistrationStatus(raw)) return { search, status: '', error: 'status' };
  return { search, status: raw as RegistrationStatus | '' };
}

/**
 * A link just made goes to the user's page in a short-lived cookie signed for this admin session and
 * user, not in this process's memory, so the page shows it whichever node serves it (issue 19); the
 * page clears it, so the link is shown once.
 */
const LINK_COOKIE = 'fyrkant_link';
const LINK_TTL_SECONDS = 300;
const linkPurpose = (s: Session, userId: string) => `enrollment-link:${s.handle}:${userId}`;

const clampInt = (raw: string, min: number, max: number, fallback: number) => {
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
};

export function registerAdminPeople(app: FastifyInstance, deps: WebDeps, admin: AdminWeb): void {
  const { services } = deps;
  const kit = adminKit(app, deps);
  const people = admin.services.users;

  function renderList(
    reply: FastifyReply,
    w: WebRequest,
    s: Session,
    query: UserListQuery & { error?: 'status' },
    extra: {
      errors?: Record<string, string>;
      values?: { username: string; displayName: string; language: string };
    } = {},
    status = 200,
  ) {
    const rows = people.list({
      ...(query.search ? { search: query.search } : {}),
      ...(query.status ? { status: query.status } : {}),
      limit: 500,
    });
    const notice = takeFlash<string>(s, 'notice');
    const error = takeFlash<string>(s, 'error');
    return sendPage(
      reply,
      usersPage(kit.ctx(w, s), {
        query,
        rows,
        coverage: people.coverage(),
        mailEnabled: admin.services.mail.enabled,
        batches: admin.services.mail.recent(5),
        ...(query.error ? { filterError: w.m.t('adm.users.badStatus') } : {}),
        ...(notice ? { notice } : {}),
        ...(error ? { error } : {}),
        ...extra,
      }),
      status,
    );
  }

  kit.page('/admin/users', (req, reply, w, s) => {
    const q = listQuery(req);
    return renderList(reply, w, s, q, {}, q.error ? 422 : 200);
  });

  kit.action('/admin/users', async (req, reply, w, s) => {
    const values = {
      username: field(req.body, 'username'),
      displayName: field(req.body, 'displayName'),
      language: field(req.body, 'language') || 'sv-SE',
    };
    try {
      const user = await services.createUser(values, actorOfSession(s));
      const email = field(req.body, 'email');
      if (email) {
        const r = people.edit(user.id, { email }, actorOfSession(s));
        const err = outcomeError(r, w);
        if (err) s.flash.set('error', err);
      }
      s.flash.set('notice', w.m.t('users.created'));
      return seeOther(reply, `/admin/users/${user.id}`);
    } catch (err) {
      const p = serviceProblem(err, w.m.lang);
      if (!p) throw err;
      const errors: Record<string, string> = {};
      for (const [f, msg] of Object.entries(p.fields))
        errors[f === 'displayName' ? 'displayName' : f === 'language' ? 'language' : 'username'] ??= msg;
      if (Object.keys(errors).length === 0) errors.username = p.message;
      return renderList(reply, w, s, { search: '', status: '' }, { errors, values }, p.status);
    }
  });

  /** Bulk: the checked users (`u:<id>` fields) or everyone the list showed (`scope=listed`). */
  kit.action('/admin/users/bulk', (req, reply, w, s) => {
    const body = (req.body ?? {}) as Record<string, string>;
    let ids: string[];
    if (field(body, 'scope') === 'listed') {
      const status = field(body, 'status');
      const search = field(body, 'q').slice(0, 100);
      ids = people
        .list({
          ...(search ? { search } : {}),
          ...(isRegistrationStatus(status) ? { status } : {}),
          limit: MAX_BULK_USERS,
        })
        .map((r) => r.user.id);
    } else {
      ids = Object.keys(body)
        .filter((k) => k.startsWith('u:'))
        .map((k) => k.slice(2))
        .slice(0, MAX_BULK_USERS);
    }
    if (ids.length === 0) {
      s.flash.set('error', w.m.t('adm.bulk.noneChosen'));
      return seeOther(reply, '/admin/users');
    }
    const actor = actorOfSession(s);
    if (field(body, 'do') === 'email') {
      const r = admin.services.mail.start(ids, actor);
      if (!r.ok) {
        s.flash.set('error', outcomeError(r, w) ?? '');
        return seeOther(reply, '/admin/users');
      }
      return seeOther(reply, `/admin/mail/${r.value.batch.id}`);
    }
    const result = admin.bulkLinks(ids, actor);
    const stamp = new Date(deps.now()).toISOString().slice(0, 16).replace(/[:T]/g, '-');
    return reply
      .code(200)
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="fyrkant-enrollment-links-${stamp}.csv"`)
      .header('cache-control', 'no-store')
      .send(bulkLinksCsv(result.links));
  });

  // --- E-mail send progress
  kit.page('/admin/mail/:id', (req, reply, w, s) => {
    const view = admin.services.mail.view((req.params as { id: string }).id);
    if (!view) return notFoundPage(reply, w);
    const notice = takeFlash<string>(s, 'notice');
    const error = takeFlash<string>(s, 'error');
    return sendPage(
      reply,
      mailBatchPage(kit.ctx(w, s), {
        view,
        mailEnabled: admin.services.mail.enabled,
        ...(notice ? { notice } : {}),
        ...(error ? { error } : {}),
      }),
    );
  });
  kit.action('/admin/mail/:id/retry', (req, reply, w, s) => {
    const id = (req.params as { id: string }).id;
    const r = admin.services.mail.retry(id, actorOfSession(s));
    if (!r.ok && r.error === 'not-found') return notFoundPage(reply, w);
    if (!r.ok) s.flash.set('error', outcomeError(r, w) ?? '');
    else s.flash.set('notice', w.m.t('adm.mail.retrying'));
    return seeOther(reply, `/admin/mail/${id}`);
  });

  // --- One user
  function renderUser(reply: FastifyReply, w: WebRequest, s: Session, id: string) {
    const reg = people.get(id);
    if (!reg) return notFoundPage(reply, w);
    const link = takeLink(reply, w, s, id);
    const notice = takeFlash<string>(s, 'notice');
    const error = takeFlash<string>(s, 'error');
    return sendPage(
      reply,
      userPage(kit.ctx(w, s), {
        reg,
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

  function takeLink(reply: FastifyReply, w: WebRequest, s: Session, id: string) {
    const sealed = w.cookies[LINK_COOKIE];
    if (!sealed) return undefined;
    appendCookie(reply, linkCookie(w, id, '', 0));
    return deps.sessions.unseal<{ url: string; expiresAt: number }>(linkPurpose(s, id), sealed);
  }

  const linkCookie = (w: WebRequest, id: string, value: string, maxAgeSeconds: number) =>
    serializeCookie(LINK_COOKIE, value, {
      secure: w.secure,
      sameSite: 'Strict',
      path: `/admin/users/${encodeURIComponent(id)}`,
      maxAgeSeconds,
    });

  kit.page('/admin/users/:id', (req, reply, w, s) => renderUser(reply, w, s, (req.params as { id: string }).id));

  /** A user action that ends on the user page with a notice, or the first problem as an error. */
  const userAction = (
    suffix: string,
    run: (
      id: string,
      req: FastifyRequest,
      w: WebRequest,
      s: Session,
      reply: FastifyReply,
    ) => Promise<string | Outcome<unknown>>,
    after?: (id: string) => string,
  ) =>
    kit.action(`/admin/users/:id/${suffix}`, async (req, reply, w, s) => {
      const { id } = req.params as { id: string };
      if (!people.get(id)) return notFoundPage(reply, w);
      try {
        const r = await run(id, req, w, s, reply);
        if (typeof r === 'string') s.flash.set('notice', r);
        else {
          const err = outcomeError(r, w);
          if (err) {
            s.flash.set('error', err);
            return seeOther(reply, `/admin/users/${id}`);
          }
        }
      } catch (err) {
        const p = serviceProblem(err, w.m.lang);
        if (!p) throw err;
        s.flash.set('error', Object.values(p.fields)[0] ?? p.message);
        return seeOther(reply, `/admin/users/${id}`);
      }
      return seeOther(reply, after ? after(id) : `/admin/users/${id}`);
    });

  const withNotice = <T>(o: Outcome<T>, s: Session, text: string): Outcome<T> => {
    if (o.ok) s.flash.set('notice', text);
    return o;
  };

  userAction('edit', async (id, req, w, s) =>
    withNotice(
      people.edit(
        id,
        {
          displayName: field(req.body, 'displayName'),
          email: field(req.body, 'email'),
          language: field(req.body, 'language'),
        },
        actorOfSession(s),
      ),
      s,
      w.m.t('adm.user.saved'),
    ),
  );
  userAction(
    'delete',
    async (id, _req, w, s) => {
      const name = people.get(id)?.user.username ?? id;
      return withNotice(people.remove(id, actorOfSession(s)), s, w.m.t('adm.user.deleted', { name }));
    },
    () => '/admin/users',
  );
  userAction('reset-methods', async (id, _req, w, s) =>
    withNotice(people.resetMethods(id, actorOfSession(s)), s, w.m.t('adm.user.resetDone')),
  );
  userAction('require-reregistration', async (id, _req, w, s) =>
    withNotice(people.requireReregistration(id, actorOfSession(s)), s, w.m.t('adm.user.reregDone')),
  );
  userAction('block', async (id, req, w, s) => {
    const days = clampInt(field(req.body, 'days'), 1, 3650, 90);
    const until = deps.now() + days * 86_400_000;
    return withNotice(
      people.block(id, { until, reason: field(req.body, 'reason') }, actorOfSession(s)),
      s,
      w.m.t('user.blockedUntil', { time: w.m.dateTime(until) }),
    );
  });
  userAction('unblock', async (id, req, w, s) =>
    withNotice(people.unblock(id, field(req.body, 'reason'), actorOfSession(s)), s, w.m.t('user.notBlocked')),
  );
  userAction('bypass', async (id, req, w, s) => {
    const minutes = clampInt(field(req.body, 'minutes'), 1, 1440, 5);
    const r = people.bypass(id, { explanation: field(req.body, 'reason'), ttlMs: minutes * 60_000 }, actorOfSession(s));
    return r.ok ? w.m.t('user.bypassCreated', { time: w.m.dateTime(r.value.expiresAt) }) : r;
  });
  userAction('enrollment-link', async (id, _req, w, s, reply) => {
    const link = await services.createEnrollmentLink(id, actorOfSession(s));
    const sealed = deps.sessions.seal(linkPurpose(s, id), link, LINK_TTL_SECONDS * 1000);
    appendCookie(reply, linkCookie(w, id, sealed, LINK_TTL_SECONDS));
    return { ok: true, value: undefined };
  });
  userAction('methods/:mid/remove', async (id, req, w, s) => {
    const { mid } = req.params as { mid: string };
    await services.removePhoneMethod(id, mid, actorOfSession(s));
    return w.m.t('adm.user.methodRemoved');
  });
  userAction('app-passwords/:aid/revoke', async (id, req, w, s) => {
    const { aid } = req.params as { aid: string };
    await services.revokeAppPassword(id, aid, actorOfSession(s));
    return w.m.t('sec.revoked');
  });
}
