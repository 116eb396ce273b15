/**
 * Server-Sent Events for one attempt. The database is the source of truth and the bus only a
 * doorbell: on every ring the stream sends the trace rows it has not sent yet (ids = trace seq, so
 * `Last-Event-ID` resumes exactly), and when the attempt has ended it sends the final `attempt`
 * event. If a retry/backup call continues the attempt, the stream says so and follows it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AttemptBus } from '../../services/verification/attempt-bus';
import type { VerificationService } from '../../services/verification/service';
import { getAttempt, listAttemptEvents, type Store } from '../../store';
import type { AttemptEventRow } from '../../store/schema';
import type { Lang } from './field-errors';
import { attemptView, traceView } from './views';

export interface SseDeps {
  readonly store: Store;
  readonly bus: AttemptBus;
  readonly verification: VerificationService;
  readonly heartbeatMs: number;
  /** Whether this caller may pick up the one-time app password (it started the attempt). */
  readonly mayTakeSecret: (requestedBy: string | null) => boolean;
}

export function streamAttempt(
  deps: SseDeps,
  firstId: string,
  lang: Lang,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const lastEventId = Number(request.headers['last-event-id']);
  let attemptId = firstId;
  let sentSeq = Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0;
  let closed = false;
  let unsubscribe = () => {};

  const send = (event: string, data: unknown, id?: number) => {
    if (closed) return;
    res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    res.end();
  };

  const flush = () => {
    if (closed) return;
    const attempt = getAttempt(deps.store.db, attemptId);
    if (!attempt) return close();
    let changed = false;
    for (const e of listAttemptEvents(deps.store.db, attemptId, { afterSeq: sentSeq })) {
      send('trace', { attemptId, ...traceView(e, attempt.queuedAt) }, e.seq);
      sentSeq = e.seq;
      // Every state the attempt passed, in order, even those committed together (issue 20 folds the
      // states of one event-loop turn, e.g. answered → in-script, into one commit).
      const state = stateChangeOf(e);
      if (state && state !== 'ended') {
        send('state', { attemptId, state });
        changed = true;
      }
    }
    if (attempt.state !== 'ended') {
      if (!changed) send('state', { attemptId, state: attempt.state });
      return;
    }
    if (attempt.retryDueAt !== null && !attempt.nextAttemptId) {
      // A retry or backup call is coming; keep the stream open for it.
      send('attempt', attemptView(attempt, lang));
      return;
    }
    const view = attemptView(attempt, lang);
    const secret = deps.mayTakeSecret(attempt.requestedBy)
      ? deps.verification.takeIssuedAppPassword(attemptId)
      : undefined;
    send('attempt', secret ? { ...view, appPassword: secret } : view);
    if (attempt.nextAttemptId) {
      send('continued', { attemptId, nextAttemptId: attempt.nextAttemptId });
      follow(attempt.nextAttemptId, 0);
      return;
    }
    send('end', { attemptId, outcome: attempt.outcome });
    close();
  };

  const follow = (id: string, fromSeq: number) => {
    unsubscribe();
    attemptId = id;
    sentSeq = fromSeq;
    unsubscribe = deps.bus.subscribe(id, () => flush());
    flush();
  };

  const heartbeat = setInterval(() => {
    if (!closed) res.write(': keep-alive\n\n');
  }, deps.heartbeatMs);
  heartbeat.unref();
  request.raw.on('close', close);
  res.on('error', close);
  // Subscribe before the first read so nothing committed in between is missed.
  follow(firstId, sentSeq);
}

/** The state an attempt moved to, for its `state → …` trace rows (the repository writes them). */
function stateChangeOf(e: AttemptEventRow): string | undefined {
  if (e.kind !== 'state' || !e.summary.startsWith('state → ')) return undefined;
  const d = e.data as { to?: unknown; state?: unknown } | null;
  const s = d?.to ?? d?.state;
  return typeof s === 'string' ? s : undefined;
}
