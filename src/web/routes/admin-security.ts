/**
 * Admin views of what was only in the REST API (issue 18b): sign-in verifications, the audit log,
 * fraud reports (review: confirm or dismiss and unblock), API keys (create — shown once —, revoke)
 * with their webhook deliveries. Every form posts with the session's CSRF token (`adminKit`).
 */
import type { FastifyInstance } from 'fastify';
import type { AdminWeb } from '../admin-ports';
import { checkAttemptFilter, parseDay, readAttemptFilter } from '../attempt-filter';
import { seeOther, sendPage } from '../http/context';
import { field } from '../http/form';
import { takeFlash } from '../http/sessions';
import { attemptsPage } from '../pages/admin-attempts';
import { type ActorNames, auditPage, whoLink } from '../pages/admin-audit';
import { fraudPage } from '../pages/admin-fraud';
import { keysPage, type NewKeySecret } from '../pages/admin-keys';
import { adminKit } from './admin-guard';
import { outcomeError } from './admin-people';
import { actorOfSession, notFoundPage, type WebDeps } from './shared';

export function registerAdminSecurity(app: FastifyInstance, deps: WebDeps, admin: AdminWeb): void {
  const { services } = deps;
  const kit = adminKit(app, deps);

  const names = (): ActorNames => {
    const keys = new Map(admin.services.apiKeys.list().map((k) => [k.id, k.name]));
    return { key: (id) => keys.get(id), user: (id) => services.getUser(id)?.username };
  };
  const usernames = (ids: Iterable<string | null>) => {
    const out = new Map<string, string>();
    for (const id of ids) {
      if (!id || out.has(id)) continue;
      const u = services.getUser(id);
      if (u) out.set(id, u.username);
    }
    return out;
  };

  // --- Sign-in verifications: the calls integrations (IdP, VPN, Entra) asked for.
  kit.page('/admin/sign-ins', (req, reply, w, s) => {
    const filter = { ...readAttemptFilter(req.query), purpose: '' };
    const { query, errors } = checkAttemptFilter(
      filter,
      w.m,
      (name) => services.findUsers(name, 20).find((u) => u.username === name)?.id,
    );
    const bad = Object.keys(errors).length > 0;
    const attempts = bad ? [] : services.listAttempts({ limit: 200, ...query, purpose: 'sign-in' });
    const n = names();
    return sendPage(
      reply,
      attemptsPage(kit.ctx(w, s), filter, attempts, usernames(attempts.map((a) => a.userId)), {
        errors,
        signIns: { requester: (a) => whoLink(a.requestedBy, n) },
      }),
      bad ? 422 : 200,
    );
  });

  // --- Audit log
  kit.page('/admin/audit', (req, reply, w, s) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).trim().slice(0, 200) : '');
    const filter = { action: str('action'), target: str('target'), since: str('since') };
    const errors: Record<string, string> = {};
    if (filter.action && !/^[a-z0-9.-]+$/.test(filter.action))
      errors.action = w.m.t('adm.audit.badAction', { value: filter.action });
    if (filter.target && !/^[a-z-]+:\S+$/.test(filter.target))
      errors.target = w.m.t('adm.audit.badTarget', { value: filter.target });
    const since = filter.since ? parseDay(filter.since) : undefined;
    if (since !== undefined && !Number.isFinite(since))
      errors.since = w.m.t('adm.filter.badDate', { value: filter.since });
    const bad = Object.keys(errors).length > 0;
    const entries = bad
      ? []
      : admin.audit({
          limit: 300,
          ...(filter.action ? { action: filter.action } : {}),
          ...(filter.target ? { target: filter.target } : {}),
          ...(since !== undefined ? { since } : {}),
        });
    return sendPage(reply, auditPage(kit.ctx(w, s), { filter, errors, entries, names: names() }), bad ? 422 : 200);
  });

  // --- Fraud reports
  kit.page('/admin/fraud', (req, reply, w, s) => {
    const all = ((req.query ?? {}) as Record<string, unknown>).all === '1';
    const reports = admin.services.fraud.list({ open: !all, limit: 200 });
    const notice = takeFlash<string>(s, 'notice');
    const error = takeFlash<string>(s, 'error');
    return sendPage(
      reply,
      fraudPage(kit.ctx(w, s), {
        open: !all,
        reports,
        usernames: usernames(reports.map((r) => r.userId)),
        ...(notice ? { notice } : {}),
        ...(error ? { error } : {}),
      }),
    );
  });
  kit.action('/admin/fraud/:id/review', (req, reply, w, s) => {
    const id = (req.params as { id: string }).id;
    const verdict = field(req.body, 'verdict');
    if (verdict !== 'confirmed' && verdict !== 'dismissed') {
      s.flash.set('error', w.m.t('adm.fraud.chooseVerdict'));
      return seeOther(reply, '/admin/fraud');
    }
    const days = Number.parseInt(field(req.body, 'blockDays'), 10);
    const r = admin.services.fraud.review(
      id,
      {
        verdict,
        note: field(req.body, 'note'),
        ...(verdict === 'confirmed' && Number.isFinite(days) && days > 0 ? { blockDays: Math.min(days, 3650) } : {}),
      },
      actorOfSession(s),
    );
    if (!r.ok && r.error === 'not-found') return notFoundPage(reply, w);
    s.flash.set('notice', w.m.t(verdict === 'confirmed' ? 'adm.fraud.confirmedDone' : 'adm.fraud.dismissedDone'));
    return seeOther(reply, '/admin/fraud');
  });

  // --- API keys and webhooks
  const renderKeys = (
    reply: Parameters<Parameters<typeof kit.page>[1]>[1],
    w: Parameters<Parameters<typeof kit.page>[1]>[2],
    s: Parameters<Parameters<typeof kit.page>[1]>[3],
    extra: { errors?: Record<string, string>; values?: { name: string; scope: string; webhookUrl: string } } = {},
    status = 200,
  ) => {
    const created = takeFlash<NewKeySecret>(s, 'new-key');
    const notice = takeFlash<string>(s, 'notice');
    return sendPage(
      reply,
      keysPage(kit.ctx(w, s), {
        keys: admin.services.apiKeys.list(),
        deliveries: admin.webhookDeliveries({ limit: 100 }),
        ...(created ? { created } : {}),
        ...(notice ? { notice } : {}),
        ...extra,
      }),
      status,
    );
  };
  kit.page('/admin/keys', (_req, reply, w, s) => renderKeys(reply, w, s));
  kit.action('/admin/keys', (req, reply, w, s) => {
    const values = {
      name: field(req.body, 'name'),
      scope: field(req.body, 'scope'),
      webhookUrl: field(req.body, 'webhookUrl'),
    };
    const r = admin.services.apiKeys.create(
      { name: values.name, scope: values.scope as 'admin', webhookUrl: values.webhookUrl || null },
      actorOfSession(s),
    );
    if (!r.ok) {
      const errors: Record<string, string> = {};
      if (r.error === 'invalid') for (const p of r.problems) errors[p.field] ??= p.message[w.m.lang];
      else errors.name = outcomeError(r, w) ?? '';
      return renderKeys(reply, w, s, { errors, values }, 422);
    }
    // Shown once on the next page (flash), never stored in clear.
    s.flash.set('new-key', { name: r.value.info.name, key: r.value.key, webhookSecret: r.value.webhookSecret });
    return seeOther(reply, '/admin/keys');
  });
  kit.action('/admin/keys/:id/revoke', (req, reply, w, s) => {
    const r = admin.services.apiKeys.revoke((req.params as { id: string }).id, actorOfSession(s));
    if (!r.ok) return notFoundPage(reply, w);
    s.flash.set('notice', w.m.t('adm.keys.revokedDone', { name: r.value.name }));
    return seeOther(reply, '/admin/keys');
  });
}
