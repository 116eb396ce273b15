/** A verification start → the HTTP answer: 202 queued/bypassed, 422 policy, 429 rate limit, 503 draining. */
import type { StartResult } from '../../services/verification/service';
import { ApiError, notFound, tooManyRequests } from './errors';
import { fieldError, type Lang } from './field-errors';
import { ok, type RouteResult } from './route';

export function startResultToHttp(r: StartResult, lang: Lang): RouteResult {
  switch (r.status) {
    case 'queued':
    case 'bypassed':
      return ok({ attemptId: r.attempt.id, state: r.attempt.state, outcome: r.attempt.outcome }, 202);
    case 'not-found':
      throw notFound(r.what);
    case 'no-method':
      throw new ApiError(409, 'no-verified-method', r.message[lang]);
    case 'unavailable': {
      // Draining (issue 19): 503 + Retry-After, so a client or load balancer tries again (elsewhere).
      const retry = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
      throw new ApiError(
        503,
        r.reasonCode,
        r.message[lang],
        { reasonCode: r.reasonCode, retryAfterSeconds: retry },
        { 'retry-after': String(retry) },
      );
    }
    case 'denied':
      if (r.kind === 'rate-limit') {
        const e = tooManyRequests('rate-limited', r.message[lang], (r.retryAfterMs ?? 60_000) / 1000);
        throw new ApiError(
          e.status,
          e.code,
          e.message,
          { ...e.extra, reasonCode: r.reasonCode, attemptId: r.attempt.id },
          e.headers,
        );
      }
      throw new ApiError(422, r.kind === 'blocked' ? 'user-blocked' : 'policy-denied', r.message[lang], {
        reasonCode: r.reasonCode,
        attemptId: r.attempt.id,
        fields: [fieldError(r.kind === 'blocked' ? 'userId' : 'number', r.reasonCode, r.message, lang)],
      });
  }
}
