/** Reading attempts: detail, list, live events (SSE) and the trace for the ladder. */
import { z } from 'zod';
import { getAttempt, listAttemptEvents, listAttempts, listWebhookDeliveries } from '../../../store';
import { actorOf } from '../../auth/principal';
import type { ApiContext } from '../context';
import { ApiError, notFound } from '../errors';
import { type ApiRoute, defineRoute, HIJACKED, ok } from '../route';
import { Attempt, AttemptQuery, ErrorBody, IdParams, TraceEvent, WebhookDelivery } from '../schemas';
import { streamAttempt } from '../sse';
import { attemptView, traceView } from '../views';

const TAGS = ['attempts'];
const E404 = { description: 'No such attempt.', schema: ErrorBody };

export function attemptRoutes(ctx: ApiContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/attempts/:id',
      operationId: 'getAttempt',
      summary: 'State, outcome, reason in plain words, timings (and, once, an enrollment app password)',
      tags: TAGS,
      auth: 'integration',
      params: IdParams,
      responses: { 200: { description: 'The attempt.', schema: Attempt }, 404: E404 },
      handler: ({ params, lang, principal }) => {
        const a = getAttempt(ctx.store.db, params.id);
        if (!a) throw notFound('attempt');
        const view = attemptView(a, lang);
        // Only the key that started the enrollment gets its app password, and only once.
        const secret =
          a.state === 'ended' && a.requestedBy === actorOf(principal)
            ? ctx.verification.takeIssuedAppPassword(a.id)
            : undefined;
        return ok(secret ? { ...view, appPassword: secret } : view);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/attempts',
      operationId: 'listAttempts',
      summary: 'Attempts, newest first, filtered by user, outcome, state, purpose, time',
      tags: TAGS,
      auth: 'integration',
      query: AttemptQuery,
      responses: {
        200: { description: 'Attempts.', schema: z.object({ attempts: z.array(Attempt) }) },
        422: { description: 'Bad filter.', schema: ErrorBody },
      },
      handler: ({ query, lang }) => {
        const rows = listAttempts(ctx.store.db, {
          ...(query.userId ? { userId: query.userId } : {}),
          ...(query.outcome ? { outcome: query.outcome } : {}),
          ...(query.state ? { state: query.state } : {}),
          ...(query.purpose ? { purpose: query.purpose } : {}),
          ...(query.since !== undefined ? { since: query.since } : {}),
          ...(query.limit ? { limit: query.limit } : {}),
          ...(query.offset ? { offset: query.offset } : {}),
        });
        return ok({ attempts: rows.map((a) => attemptView(a, lang)) });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/attempts/:id/events',
      operationId: 'streamAttemptEvents',
      summary: 'Live events (Server-Sent Events): trace, state, final attempt; follows retries',
      tags: TAGS,
      auth: 'integration',
      params: IdParams,
      responses: {
        200: {
          description:
            'text/event-stream with events `trace` (id = trace seq; Last-Event-ID resumes), `state`, `attempt` (final view), `continued`, `end`.',
          contentType: 'text/event-stream',
        },
        404: E404,
      },
      handler: ({ params, lang, request, reply, principal }) => {
        if (!getAttempt(ctx.store.db, params.id)) throw notFound('attempt');
        const actor = actorOf(principal);
        streamAttempt(
          {
            store: ctx.store,
            bus: ctx.bus,
            verification: ctx.verification,
            heartbeatMs: ctx.sseHeartbeatMs ?? 15_000,
            mayTakeSecret: (by) => by === actor,
          },
          params.id,
          lang,
          request,
          reply,
        );
        return HIJACKED;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/attempts/:id/trace',
      operationId: 'getAttemptTrace',
      summary: 'The ordered SIP/DTMF/prompt/state trace (for the ladder diagram)',
      tags: TAGS,
      auth: 'integration',
      params: IdParams,
      responses: {
        200: {
          description: 'Trace events, oldest first; SIP raw text has credentials redacted.',
          schema: z.object({
            attemptId: z.string(),
            events: z.array(TraceEvent),
            webhookDeliveries: z.array(WebhookDelivery),
          }),
        },
        404: E404,
      },
      handler: ({ params }) => {
        const a = getAttempt(ctx.store.db, params.id);
        if (!a) throw notFound('attempt');
        return ok({
          attemptId: a.id,
          events: listAttemptEvents(ctx.store.db, a.id).map((e) => traceView(e, a.queuedAt)),
          webhookDeliveries: listWebhookDeliveries(ctx.store.db, { attemptId: a.id }),
        });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/attempts/:id/cancel',
      operationId: 'cancelAttempt',
      summary: 'Stop an attempt that is queued or in progress (admin)',
      tags: TAGS,
      auth: 'admin',
      params: IdParams,
      responses: {
        202: { description: 'Cancelling.', schema: z.object({ attemptId: z.string() }) },
        404: E404,
        409: { description: 'Already ended.', schema: ErrorBody },
      },
      handler: ({ params }) => {
        if (!getAttempt(ctx.store.db, params.id)) throw notFound('attempt');
        if (!ctx.verification.cancel(params.id))
          throw new ApiError(409, 'not-active', 'the attempt is neither queued nor in progress');
        return ok({ attemptId: params.id }, 202);
      },
    }),
  ];
}
