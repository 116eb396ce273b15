/**
 * drachtio-srf rejections → the port's typed `DialFailure`, through the shared SIP status table
 * (src/domain/call-outcomes.ts) so both backends name a 486 the same way.
 */
import type Srf from 'drachtio-srf';
import { meaningOfSipStatus } from '../../domain/call-outcomes';
import { DialFailure, type DialFailureReason } from '../port';

/** Why we cancelled, if we did: a 487 then means this rather than "the PBX rejected it". */
export type CancelCause = 'abort' | 'ring-timeout' | 'media-lost' | undefined;

function isSipError(err: unknown): err is Srf.SipError {
  return err instanceof Error && err.name === 'SipError' && typeof (err as { status?: unknown }).status === 'number';
}

export function toDialFailure(err: unknown, cancel: CancelCause, callId?: string): DialFailure {
  if (err instanceof DialFailure) return err;
  if (isSipError(err)) {
    const status = err.status;
    const sipReason = err.reason ?? err.res?.reason;
    const cid = callId ?? err.res?.get('Call-ID');
    let reason: DialFailureReason;
    if (cancel === 'abort') reason = 'cancelled';
    else if (cancel === 'ring-timeout') reason = 'no-answer';
    else if (cancel === 'media-lost') reason = 'media';
    else if (status === 487) reason = 'cancelled';
    // No common codec/media: our problem to fix, not the callee's answer (as the embedded backend says).
    else if (status === 488 || status === 606) reason = 'media';
    else reason = meaningOfSipStatus(status).failure;
    return new DialFailure(reason, `${status} ${sipReason ?? ''}`.trim(), status, sipReason, cid);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (cancel === 'abort') return new DialFailure('cancelled', message, undefined, undefined, callId);
  if (cancel === 'ring-timeout') return new DialFailure('no-answer', message, undefined, undefined, callId);
  if (cancel === 'media-lost') return new DialFailure('media', message, undefined, undefined, callId);
  return new DialFailure('network', message, undefined, undefined, callId);
}
