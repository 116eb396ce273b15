/**
 * The UI's `WebActions` on top of the service layer the REST API uses (`ApiContext`): the same
 * calls, the same outcome → error mapping (`unwrap`, `startResultToHttp`), so a rule exists once.
 * Errors come back as `ApiError`s, which `service-error.ts` reads for the pages.
 */
import type { ApiKeyScope } from '../domain/api-keys/key';
import type { ApiContext } from '../http/api/context';
import { ApiError, notFound } from '../http/api/errors';
import { storeKeyVerifier } from '../http/api/index';
import { unwrap } from '../http/api/outcome-errors';
import { startResultToHttp } from '../http/api/start-result';
import { audit, findUsableEnrollmentLink, useEnrollmentLink } from '../store';
import type { AttemptChange, WebActions } from './ports';
import { phoneMethodView, userView } from './wiring';

export function serviceActions(ctx: ApiContext): WebActions {
  const verifyKey = storeKeyVerifier(ctx);
  const db = ctx.store.db;
  return {
    async verifyAdminKey(key) {
      const p = await verifyKey(key);
      return p && (p.scopes as readonly ApiKeyScope[]).includes('admin') ? { keyId: p.keyId, name: p.name } : undefined;
    },

    async redeemEnrollmentLink(token) {
      if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) return undefined;
      const link = findUsableEnrollmentLink(db, token);
      if (!link) return undefined;
      const used = db.transaction(() => {
        if (!useEnrollmentLink(db, link.id)) return false;
        audit(db, {
          actor: `user:${link.userId}`,
          action: 'enrollment-link.use',
          target: `user:${link.userId}`,
          detail: { linkId: link.id },
        });
        return true;
      });
      return used ? { userId: link.userId } : undefined;
    },

    async createEnrollmentLink(userId, actor) {
      const link = unwrap(ctx.users.createEnrollmentLink(userId, actor), 'en');
      return { url: link.url, expiresAt: link.expiresAt };
    },

    async createUser(input, actor) {
      return userView(unwrap(ctx.users.create(input, actor), 'en'));
    },

    async blockUser(userId, until, actor) {
      unwrap(ctx.users.update(userId, { blockedUntil: until }, actor), 'en');
    },

    async createBypass(userId, minutes, actor) {
      const b = unwrap(ctx.users.createBypass(userId, null, minutes * 60_000, actor), 'en');
      return { expiresAt: b.expiresAt };
    },

    async addPhoneMethod(userId, input, lang, actor) {
      return phoneMethodView(unwrap(await ctx.users.addPhoneMethod(userId, input, actor), lang));
    },

    async updatePhoneMethod(userId, methodId, patch, lang, actor) {
      return phoneMethodView(unwrap(await ctx.users.updatePhoneMethod(userId, methodId, patch, actor), lang));
    },

    async removePhoneMethod(userId, methodId, actor) {
      if (!ctx.users.removePhoneMethod(userId, methodId, actor)) throw notFound('phone method');
    },

    async startCall(userId, methodId, purpose, lang, actor) {
      const r = ctx.verification.start({ userId, methodId, purpose, requestedBy: actor });
      startResultToHttp(r, lang); // throws for denials, rate limits and unknown ids
      if (r.status !== 'queued' && r.status !== 'bypassed') throw new ApiError(500, 'unexpected', r.status);
      return { attemptId: r.attempt.id };
    },

    async callAgain(userId, attemptId, purpose, lang, actor) {
      const r = ctx.verification.callAgain(attemptId, { purpose, requestedBy: actor });
      startResultToHttp(r, lang); // throws for denials, rate limits and unknown ids
      if (r.status !== 'queued' && r.status !== 'bypassed') throw new ApiError(500, 'unexpected', r.status);
      if (r.attempt.userId !== userId) throw notFound('attempt');
      return { attemptId: r.attempt.id };
    },

    watchAttempt(attemptId, listener) {
      return ctx.bus.subscribe(attemptId, (u) => {
        if (u.type === 'trace') return; // the page shows states, not every SIP message
        const change: AttemptChange =
          u.type === 'continued'
            ? { attemptId, state: 'continued', nextAttemptId: u.nextAttemptId }
            : { attemptId, state: u.state, ...(u.outcome ? { outcome: u.outcome } : {}) };
        listener(change);
      });
    },

    takeIssuedAppPassword(attemptId) {
      const s = ctx.verification.takeIssuedAppPassword(attemptId);
      return s ? { name: s.name, password: s.password } : undefined;
    },

    async createAppPassword(userId, name, actor) {
      const r = await ctx.appPasswords.create(userId, name, actor);
      if ('error' in r)
        throw new ApiError(409, 'too-many', 'too many app passwords', {
          fields: [
            {
              field: 'name',
              code: 'too-many',
              message: 'You have too many app passwords; revoke one first.',
              messages: {
                sv: 'Du har för många applösenord; återkalla ett först.',
                en: 'You have too many app passwords; revoke one first.',
              },
            },
          ],
        });
      return { id: r.info.id, name: r.info.name, password: r.password };
    },

    async revokeAppPassword(userId, id, actor) {
      if (!ctx.appPasswords.revoke(userId, id, actor)) throw notFound('app password');
    },
  };
}
