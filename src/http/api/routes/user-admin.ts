/**
 * Admin operations on people and keys (issue 18b): registration status and coverage, profile edit,
 * reset / re-require phone methods, block / unblock with a reason, bulk enrollment links (JSON or
 * CSV) and e-mails, fraud report review, API keys. Rules live in the services; these are adapters.
 */
import { z } from 'zod';
import { adminServices } from '../../../services/admin-services';
import type { ApiKeyInfo } from '../../../services/api-keys/service';
import { bulkLinksCsv, createBulkLinks, MAX_BULK_USERS } from '../../../services/enrollment/bulk-links';
import type { MailBatchView } from '../../../services/mail/bulk-mail';
import type { UserRegistration } from '../../../services/users/admin';
import { REGISTRATION_STATUSES } from '../../../services/users/registration';
import { actorOf } from '../../auth/principal';
import type { ApiContext } from '../context';
import { notFound } from '../errors';
import { unwrap } from '../outcome-errors';
import { type ApiRoute, defineRoute, ok } from '../route';
import { ErrorBody, FraudReport, Id, IdParams, Language } from '../schemas';

const epochMs = z.number().int().describe('milliseconds since the Unix epoch');
const Status = z.enum(REGISTRATION_STATUSES);
const E404 = { description: 'Not found.', schema: ErrorBody };
const E422 = { description: 'Invalid input: per-field messages in Swedish and English.', schema: ErrorBody };

export const UserProfile = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  language: z.string(),
  status: Status.describe('none = nothing registered, pending = phone added or link sent, verified, blocked'),
  methods: z.number().int(),
  verifiedMethods: z.number().int(),
  openLinks: z.number().int().describe('unused, unexpired enrollment links'),
  blockedUntil: epochMs.nullable(),
  blockReason: z.string().nullable(),
  reregisterRequestedAt: epochMs.nullable(),
});

const Coverage = z.object({
  total: z.number().int(),
  none: z.number().int(),
  pending: z.number().int(),
  verified: z.number().int(),
  blocked: z.number().int(),
});

const BulkBody = z
  .object({
    userIds: z.array(Id).min(1).max(MAX_BULK_USERS).optional(),
    status: Status.optional().describe('every user in this status (instead of userIds)'),
  })
  .strict()
  .refine((b) => (b.userIds === undefined) !== (b.status === undefined), {
    message: 'give either userIds or status',
    path: ['userIds'],
  });

const MailBatch = z.object({
  id: z.string(),
  createdAt: epochMs,
  finishedAt: epochMs.nullable(),
  running: z.boolean(),
  counts: z.object({ pending: z.number(), sent: z.number(), failed: z.number(), total: z.number() }),
  items: z.array(
    z.object({
      id: z.string(),
      userId: z.string().nullable(),
      username: z.string(),
      email: z.string().nullable(),
      status: z.enum(['pending', 'sent', 'failed']),
      tries: z.number().int(),
      error: z.string().nullable(),
      sentAt: epochMs.nullable(),
    }),
  ),
});

const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(['admin', 'integration'])),
  webhookUrl: z.string().nullable(),
  hasWebhookSecret: z.boolean(),
  createdAt: epochMs,
  lastUsedAt: epochMs.nullable(),
  revokedAt: epochMs.nullable(),
});

export function profileView(r: UserRegistration): z.infer<typeof UserProfile> {
  return {
    id: r.user.id,
    username: r.user.username,
    displayName: r.user.displayName,
    email: r.user.email,
    language: r.user.language,
    status: r.status,
    methods: r.methods,
    verifiedMethods: r.verifiedMethods,
    openLinks: r.openLinks,
    blockedUntil: r.user.blockedUntil,
    blockReason: r.user.blockReason,
    reregisterRequestedAt: r.user.reregisterRequestedAt,
  };
}

function batchView(v: MailBatchView): z.infer<typeof MailBatch> {
  return {
    id: v.batch.id,
    createdAt: v.batch.createdAt,
    finishedAt: v.batch.finishedAt,
    running: v.running,
    counts: v.counts,
    items: v.items.map((i) => ({
      id: i.id,
      userId: i.userId,
      username: i.username,
      email: i.email,
      status: i.status,
      tries: i.tries,
      error: i.error,
      sentAt: i.sentAt,
    })),
  };
}

const keyView = (k: ApiKeyInfo): z.infer<typeof ApiKey> => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  webhookUrl: k.webhookUrl,
  hasWebhookSecret: k.hasWebhookSecret,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
});

export function userAdminRoutes(ctx: ApiContext): ApiRoute[] {
  const admin = adminServices(ctx);
  const profile = (id: string) => {
    const r = admin.users.get(id);
    if (!r) throw notFound('user');
    return profileView(r);
  };
  const targetIds = (body: z.infer<typeof BulkBody>) =>
    body.userIds ?? admin.users.list({ status: body.status!, limit: MAX_BULK_USERS }).map((r) => r.user.id);
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/registrations',
      operationId: 'listRegistrations',
      summary: 'Users with their registration status; filter by status and search',
      tags: ['admin'],
      auth: 'admin',
      query: z.object({
        status: Status.optional(),
        search: z.string().max(100).optional(),
        limit: z.coerce.number().int().min(1).max(10_000).optional(),
      }),
      responses: { 200: { description: 'Users.', schema: z.object({ users: z.array(UserProfile) }) }, 422: E422 },
      handler: ({ query }) =>
        ok({
          users: admin.users
            .list({
              ...(query.status ? { status: query.status } : {}),
              ...(query.search ? { search: query.search } : {}),
              limit: query.limit ?? 1000,
            })
            .map(profileView),
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/registrations/coverage',
      operationId: 'enrollmentCoverage',
      summary: 'How many users are in each registration status',
      tags: ['admin'],
      auth: 'admin',
      responses: { 200: { description: 'Counts.', schema: Coverage } },
      handler: () => ok(admin.users.coverage()),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/users/:id/profile',
      operationId: 'getUserProfile',
      summary: 'A user as admins see them: e-mail, registration status, block reason',
      tags: ['admin'],
      auth: 'admin',
      params: IdParams,
      responses: { 200: { description: 'The user.', schema: UserProfile }, 404: E404 },
      handler: ({ params }) => ok(profile(params.id)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/users/:id/profile',
      operationId: 'editUserProfile',
      summary: 'Change display name, language or e-mail address (audited)',
      tags: ['admin'],
      auth: 'admin',
      params: IdParams,
      body: z
        .object({
          displayName: z.string().max(200).optional(),
          language: Language.optional(),
          email: z.string().max(254).nullable().optional(),
        })
        .strict(),
      responses: { 200: { description: 'Updated.', schema: UserProfile }, 404: E404, 422: E422 },
      handler: ({ params, body, principal, lang }) => {
        unwrap(admin.users.edit(params.id, body, actorOf(principal)), lang);
        return ok(profile(params.id));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/users/:id/reset-methods',
      operationId: 'resetPhoneMethods',
      summary: 'Remove every phone method and end open enrollment links: the user must register again',
      tags: ['admin'],
      auth: 'admin',
      params: IdParams,
      responses: {
        200: { description: 'Reset.', schema: z.object({ removed: z.number().int(), user: UserProfile }) },
        404: E404,
      },
      handler: ({ params, principal, lang }) => {
        const r = unwrap(admin.users.resetMethods(params.id, actorOf(principal)), lang);
        return ok({ removed: r.removed, user: profile(params.id) });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/users/:id/require-reregistration',
      operationId: 'requireReregistration',
      summary: 'Keep the phones but make them unverified: the next sign-in needs a new verification first',
      tags: ['admin'],
      auth: 'admin',
      params: IdParams,
      responses: {
        200: { description: 'Done.', schema: z.object({ unverified: z.number().int(), user: UserProfile }) },
        404: E404,
      },
      handler: ({ params, principal, lang }) => {
        const r = unwrap(admin.users.requireReregistration(params.id, actorOf(principal)), lang);
        return ok({ unverified: r.unverified, user: profile(params.id) });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/users/:id/block',
      operationId: 'blockUser',
      summary: 'Block verification calls to the user until a time, with a reason (audited)',
      tags: ['admin'],
      auth: 'admin',
      params: IdParams,
      body: z
        .object({
          reason: z.string().max(500),
          until: epochMs.optional(),
          days: z.number().int().min(1).max(3650).optional(),
        })
        .strict()
        .refine((b) => (b.until === undefined) !== (b.days === undefined), {
          message: 'give either until or days',
          path: ['days'],
        }),
      responses: { 200: { description: 'Blocked.', schema: UserProfile }, 404: E404, 422: E422 },
      handler: ({ params, body, principal, lang }) => {
        const until = body.until ?? Date.now() + (body.days ?? 0) * 86_400_000;
        unwrap(admin.users.block(params.id, { until, reason: body.reason }, actorOf(principal)), lang);
        return ok(profile(params.id));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/users/:id/unblock',
      operationId: 'unblockUser',
      summary: 'Lift a block (audited with the optional reason)',
      tags: ['admin'],
      auth: 'admin',
      params: IdParams,
      body: z
        .object({ reason: z.string().max(500).optional() })
        .strict()
        .optional(),
      responses: { 200: { description: 'Unblocked.', schema: UserProfile }, 404: E404 },
      handler: ({ params, body, principal, lang }) => {
        unwrap(admin.users.unblock(params.id, body?.reason, actorOf(principal)), lang);
        return ok(profile(params.id));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/enrollment-links/bulk',
      operationId: 'createBulkEnrollmentLinks',
      summary: 'A fresh enrollment link for each user (by ids or by status); `?format=csv` answers a CSV file',
      tags: ['enrollment'],
      auth: 'admin',
      query: z.object({ format: z.enum(['json', 'csv']).optional() }),
      body: BulkBody,
      responses: {
        200: {
          description:
            'With `?format=csv`: a CSV file (UTF-8 with BOM; username, displayName, email, language, enrollmentUrl, expiresAt).',
          contentType: 'text/csv',
        },
        201: {
          description: 'The links (JSON); `unknown` lists ids that named no user.',
          schema: z.object({
            links: z.array(
              z.object({
                userId: z.string(),
                username: z.string(),
                displayName: z.string(),
                email: z.string().nullable(),
                language: z.string(),
                url: z.string(),
                expiresAt: epochMs,
              }),
            ),
            unknown: z.array(z.string()),
          }),
        },
        422: E422,
      },
      handler: ({ query, body, principal }) => {
        const result = createBulkLinks(ctx.store, ctx.users, targetIds(body), actorOf(principal));
        if (query.format === 'csv')
          return { status: 200, body: bulkLinksCsv(result.links), contentType: 'text/csv; charset=utf-8' };
        return ok(result, 201);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/enrollment-mails',
      operationId: 'sendEnrollmentMails',
      summary: 'E-mail each user a fresh enrollment link (sv/en by the user’s language); progress per user',
      tags: ['enrollment'],
      auth: 'admin',
      body: BulkBody,
      responses: {
        202: { description: 'Stored and sending.', schema: MailBatch },
        409: { description: 'E-mail is not enabled (mail.enabled).', schema: ErrorBody },
        422: E422,
      },
      handler: ({ body, principal, lang }) =>
        ok(batchView(unwrap(admin.mail.start(targetIds(body), actorOf(principal)), lang)), 202),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/enrollment-mails/:id',
      operationId: 'getEnrollmentMails',
      summary: 'Progress of a bulk e-mail send: every user’s status and error',
      tags: ['enrollment'],
      auth: 'admin',
      params: IdParams,
      responses: { 200: { description: 'The batch.', schema: MailBatch }, 404: E404 },
      handler: ({ params }) => {
        const v = admin.mail.view(params.id);
        if (!v) throw notFound('mail batch');
        return ok(batchView(v));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/enrollment-mails/:id/retry',
      operationId: 'retryEnrollmentMails',
      summary: 'Send the failed e-mails of a batch again',
      tags: ['enrollment'],
      auth: 'admin',
      params: IdParams,
      responses: {
        202: { description: 'Sending.', schema: MailBatch },
        404: E404,
        409: { description: 'E-mail is not enabled.', schema: ErrorBody },
      },
      handler: ({ params, principal, lang }) =>
        ok(batchView(unwrap(admin.mail.retry(params.id, actorOf(principal)), lang)), 202),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/fraud-reports/:id/review',
      operationId: 'reviewFraudReport',
      summary: 'Confirm a fraud report (block stays or is set) or dismiss it (the user is unblocked)',
      tags: ['admin'],
      auth: 'admin',
      params: IdParams,
      body: z
        .object({
          verdict: z.enum(['confirmed', 'dismissed']),
          note: z.string().max(500).optional(),
          blockDays: z.number().int().min(1).max(3650).optional(),
        })
        .strict(),
      responses: {
        200: {
          description: 'Reviewed.',
          schema: FraudReport.extend({
            verdict: z.enum(['confirmed', 'dismissed']).nullable(),
            reviewedBy: z.string().nullable(),
          }),
        },
        404: E404,
      },
      handler: ({ params, body, principal, lang }) =>
        ok(unwrap(admin.fraud.review(params.id, body, actorOf(principal)), lang)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/api-keys',
      operationId: 'listApiKeys',
      summary: 'API keys (never the secrets)',
      tags: ['admin'],
      auth: 'admin',
      responses: { 200: { description: 'Keys.', schema: z.object({ apiKeys: z.array(ApiKey) }) } },
      handler: () => ok({ apiKeys: admin.apiKeys.list().map(keyView) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/api-keys',
      operationId: 'createApiKey',
      summary: 'Create an API key; the key (and webhook secret) are in this answer only',
      tags: ['admin'],
      auth: 'admin',
      body: z
        .object({
          name: z.string().max(100),
          scope: z.enum(['admin', 'integration']),
          webhookUrl: z.string().max(2000).nullable().optional(),
        })
        .strict(),
      responses: {
        201: {
          description: 'Created.',
          schema: ApiKey.extend({ key: z.string(), webhookSecret: z.string().nullable() }),
        },
        422: E422,
      },
      handler: ({ body, principal, lang }) => {
        const r = unwrap(admin.apiKeys.create(body, actorOf(principal)), lang);
        return ok({ ...keyView(r.info), key: r.key, webhookSecret: r.webhookSecret }, 201);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/api-keys/:id',
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key (it stops working at once; the row stays for the audit trail)',
      tags: ['admin'],
      auth: 'admin',
      params: IdParams,
      responses: { 200: { description: 'Revoked.', schema: ApiKey }, 404: E404 },
      handler: ({ params, principal, lang }) =>
        ok(keyView(unwrap(admin.apiKeys.revoke(params.id, actorOf(principal)), lang))),
    }),
  ];
}
