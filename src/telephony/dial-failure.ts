/**
 * How a dial that produced no answered call becomes the port's typed `DialFailure`: the ONE place
 * where a SIP final status (486, 404, 488, …) is read as a failure reason. Both adapters (embedded
 * and drachtio) describe what happened as a `DialEnd` and call `dialFailure`; the service layer then
 * turns the reason into an outcome (src/services/calls/outcome.ts).
 */
import { DialFailure, type DialFailureReason } from './port';

/**
 * Why WE ended the dial, when we did. It wins over the status: our own CANCEL is answered with 487,
 * which then means "we gave up", not "the far end refused".
 */
export type OwnCause =
  /** The caller aborted (admin cancel, shutdown, Ctrl-C). */
  | 'abort'
  /** Our ring timer fired and we sent CANCEL. */
  | 'ring-timeout'
  /** No final response at all (RFC 3261 Timer B). */
  | 'no-response'
  /** The media side failed (no endpoint, no common codec, the media server lost the channel). */
  | 'media'
  /** The request could not be sent or routed. */
  | 'transport'
  /** Digest authentication failed (wrong or missing credentials). */
  | 'auth-failed';

export interface DialEnd {
  /** The far end's final status, if one came (0 or absent: none). */
  readonly status?: number;
  readonly sipReason?: string;
  readonly cause?: OwnCause;
  /** Plain words for logs; defaults to the status line or the reason. */
  readonly message?: string;
  readonly callId?: string;
}

const BY_CAUSE: Readonly<Record<OwnCause, DialFailureReason>> = {
  abort: 'cancelled',
  'ring-timeout': 'no-answer',
  'no-response': 'timeout',
  media: 'media',
  transport: 'network',
  'auth-failed': 'rejected',
};

const BY_STATUS: Readonly<Record<number, DialFailureReason>> = {
  404: 'not-found',
  408: 'timeout',
  410: 'not-found',
  480: 'no-answer',
  484: 'not-found',
  486: 'busy',
  // A 487 we did not cause (our own CANCEL carries a cause): the PBX or a proxy gave up ringing.
  487: 'no-answer',
  // No common codec / media: ours to fix, not the callee's answer.
  488: 'media',
  600: 'busy',
  604: 'not-found',
  606: 'media',
};

/** The failure reason a final non-2xx status means when we did not cause it. */
export function failureOfSipStatus(status: number): DialFailureReason {
  const exact = BY_STATUS[status];
  if (exact) return exact;
  if (status >= 300 && status < 500) return 'rejected';
  if (status >= 500 && status < 600) return 'unavailable';
  if (status >= 600 && status < 700) return 'rejected';
  return 'network';
}

export function dialFailure(end: DialEnd): DialFailure {
  const status = end.status && end.status > 0 ? end.status : undefined;
  const reason: DialFailureReason = end.cause
    ? BY_CAUSE[end.cause]
    : status !== undefined
      ? failureOfSipStatus(status)
      : 'network';
  const message = end.message ?? (status !== undefined ? `${status} ${end.sipReason ?? ''}`.trim() : reason);
  return new DialFailure(reason, message, status, end.sipReason, end.callId);
}
