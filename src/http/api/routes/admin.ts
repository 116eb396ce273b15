/** Enrollment links, one-time bypasses, fraud reports, audit log, webhook deliveries, job status. */
import { z } from 'zod';
import { adminServices } from '../../../services/admin-services';
import { listAudit, listFraudReports, listWebhookDeliveries } from '../../../store';
import { actorOf } from '../../auth/principal';
import type { ApiContext } from '../context';
import { unwrap } from '../outcome-errors';
import { type ApiRoute, defineRoute, ok } from '../route';
import {
  AuditEntry,
  Bypass,
  BypassBody,
  EnrollmentLink,
  EnrollmentLinkBody,
  ErrorBody,
  FraudReport,
  IdParams,
  JobStatus,
  WebhookDelivery,
} from '../schemas';

const limit = z.coerce.number().int().min(1).max(1000).optional();

export function adminRoutes(ctx: ApiContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/enrollment-links',
      operationId: 'createEnrollmentLink',
      summary: 'A single-use, expiring link to the self-service enrollment page',
      tags: ['enrollment'],
      auth: 'integration',
      body: EnrollmentLinkBody,
      responses: {
        201: { description: 'The link; the token in it is not stored.', schema: EnrollmentLink },
        404: { description: 'No such user.', schema: ErrorBody },
        422: { description: 'Invalid input.', schema: ErrorBody },
      },
      handler: ({ body, principal, lang }) =>
        ok(unwrap(ctx.users.createEnrollmentLink(body.userId, actorOf(principal)), lang), 201),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/users/:id/bypass',
      operationId: 'createBypass',
      summary: 'One-time bypass: the next sign-in is approved without a call (expires; audited)',
      tags: ['admin'],
      auth: 'admin',
      params: IdParams,
      body: BypassBody,
      responses: {
        201: { description: 'Created.', schema: Bypass },
        404: { description: 'No such user.', schema: ErrorBody },
        422: { description: 'Invalid input.', schema: ErrorBody },
      },
      handler: ({ params, body, principal, lang }) =>
        ok(
          unwrap(
            // The admin rule: a bypass needs a reason (services/users/admin).
            adminServices(ctx).users.bypass(
              params.id,
              { explanation: body.reason, ...(body.ttlSeconds ? { ttlMs: body.ttlSeconds * 1000 } : {}) },
              actorOf(principal),
            ),
            lang,
          ),
          201,
        ),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/fraud-reports',
      operationId: 'listFraudReports',
      summary: 'Fraud reports (0# on a call), newest first',
      tags: ['admin'],
      auth: 'admin',
      query: z.object({ userId: z.string().optional(), limit }),
      responses: { 200: { description: 'Reports.', schema: z.object({ fraudReports: z.array(FraudReport) }) } },
      handler: ({ query }) =>
        ok({
          fraudReports: listFraudReports(ctx.store.db, {
            ...(query.userId ? { userId: query.userId } : {}),
            ...(query.limit ? { limit: query.limit } : {}),
          }),
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/audit',
      operationId: 'listAudit',
      summary: 'The audit log, newest first',
      tags: ['admin'],
      auth: 'admin',
      query: z.object({
        target: z.string().optional(),
        action: z.string().optional(),
        since: z.coerce.number().int().optional(),
        limit,
      }),
      responses: { 200: { description: 'Entries.', schema: z.object({ entries: z.array(AuditEntry) }) } },
      handler: ({ query }) =>
        ok({
          entries: listAudit(ctx.store.db, {
            ...(query.target ? { target: query.target } : {}),
            ...(query.action ? { action: query.action } : {}),
            ...(query.since !== undefined ? { since: query.since } : {}),
            ...(query.limit ? { limit: query.limit } : {}),
          }),
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/webhook-deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'Webhook delivery attempts (status, tries, last HTTP status/error)',
      tags: ['admin'],
      auth: 'admin',
      query: z.object({ attemptId: z.string().optional(), apiKeyId: z.string().optional(), limit }),
      responses: { 200: { description: 'Deliveries.', schema: z.object({ deliveries: z.array(WebhookDelivery) }) } },
      handler: ({ query }) =>
        ok({
          deliveries: listWebhookDeliveries(ctx.store.db, {
            ...(query.attemptId ? { attemptId: query.attemptId } : {}),
            ...(query.apiKeyId ? { apiKeyId: query.apiKeyId } : {}),
            ...(query.limit ? { limit: query.limit } : {}),
          }),
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/jobs',
      operationId: 'listJobs',
      summary: 'Scheduled jobs and their last run',
      tags: ['admin'],
      auth: 'admin',
      responses: { 200: { description: 'Jobs.', schema: z.object({ jobs: z.array(JobStatus) }) } },
      handler: () => ok({ jobs: ctx.jobs.status() }),
    }),
  ];
}
