/**
 * drachtio-srf rejections → the port's typed `DialFailure`, through the shared classification
 * (src/telephony/dial-failure.ts) so both backends name a 486 the same way.
 */
import type Srf from 'drachtio-srf';
import { dialFailure, type OwnCause } from '../dial-failure';
import { DialFailure } from '../port';

/** Why we cancelled, if we did: a 487 then means this rather than "the PBX rejected it". */
export type CancelCause = 'abort' | 'ring-timeout' | 'media-lost' | undefined;

const OWN: Readonly<Record<Exclude<CancelCause, undefined>, OwnCause>> = {
  abort: 'abort',
  'ring-timeout': 'ring-timeout',
  'media-lost': 'media',
};

function isSipError(err: unknown): err is Srf.SipError {
  return err instanceof Error && err.name === 'SipError' && typeof (err as { status?: unknown }).status === 'number';
}

export function toDialFailure(err: unknown, cancel: CancelCause, callId?: string): DialFailure {
  if (err instanceof DialFailure) return err;
  const cause = cancel ? OWN[cancel] : undefined;
  if (isSipError(err)) {
    const sipReason = err.reason ?? err.res?.reason;
    return dialFailure({
      status: err.status,
      ...(sipReason ? { sipReason } : {}),
      ...(cause ? { cause } : {}),
      callId: callId ?? err.res?.get('Call-ID'),
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return dialFailure({ cause: cause ?? 'transport', message, ...(callId ? { callId } : {}) });
}
