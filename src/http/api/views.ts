/** Database rows → API shapes (no hashes, plain-words reasons, derived timings). */
import type { z } from 'zod';
import { plainReason } from '../../domain/call-outcomes';
import type { Attempt as AttemptRecord } from '../../store';
import type { AttemptEventRow, PhoneMethodRow, UserEntraIdentityRow, UserRow } from '../../store/schema';
import type { Lang } from './field-errors';
import type { Attempt, PhoneMethod, TraceEvent, User } from './schemas';

export function userView(
  u: UserRow,
  entra?: Pick<UserEntraIdentityRow, 'tenantId' | 'objectId' | 'upn'>,
): z.infer<typeof User> {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    language: u.language,
    blockedUntil: u.blockedUntil,
    entraTenantId: entra?.tenantId ?? null,
    entraObjectId: entra?.objectId ?? null,
    upn: entra?.upn ?? null,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}

export function phoneMethodView(m: PhoneMethodRow): z.infer<typeof PhoneMethod> {
  return {
    id: m.id,
    userId: m.userId,
    kind: m.kind,
    country: m.country,
    e164: m.e164,
    extension: m.extension,
    verified: m.verifiedAt !== null,
    verifiedAt: m.verifiedAt,
    isDefault: m.isDefault,
    pin: m.pinHash !== null,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

const STATE_WORDS: Record<string, { sv: string; en: string }> = {
  queued: { sv: 'Väntar på en ledig linje.', en: 'Waiting for a free line.' },
  dialling: { sv: 'Ringer upp.', en: 'Dialling.' },
  ringing: { sv: 'Det ringer.', en: 'Ringing.' },
  answered: { sv: 'Samtalet besvarades.', en: 'The call was answered.' },
  'in-script': { sv: 'Samtalet pågår; väntar på knapptryckning.', en: 'Call in progress; waiting for a key press.' },
};

export function attemptReasons(a: AttemptRecord): { sv: string; en: string } {
  if (a.state !== 'ended') return STATE_WORDS[a.state] ?? { sv: a.state, en: a.state };
  if (a.outcome === 'approved' && a.reasonCode === 'bypass')
    return {
      sv: 'Godkänd med en engångsundantag från en administratör.',
      en: 'Approved with a one-time bypass from an administrator.',
    };
  return { sv: plainReason(a.outcome, a.sipStatus, 'sv'), en: plainReason(a.outcome, a.sipStatus, 'en') };
}

export function attemptView(a: AttemptRecord, lang: Lang): z.infer<typeof Attempt> {
  const reasons = attemptReasons(a);
  return {
    id: a.id,
    userId: a.userId,
    phoneMethodId: a.phoneMethodId,
    purpose: a.purpose,
    state: a.state,
    outcome: a.outcome,
    reasonCode: a.reasonCode,
    reason: reasons[lang],
    reasons,
    sipStatus: a.sipStatus,
    sipReason: a.sipReason,
    destination: a.destination,
    dialledTarget: a.dialledTarget,
    digitsSent: a.digitsSent,
    digitsReceived: a.digitsReceived,
    dtmfSource: a.dtmfSource,
    scriptId: a.scriptId,
    scriptHash: a.scriptHash,
    backend: a.backend,
    callId: a.callId,
    tryNo: a.tryNo,
    retryOf: a.retryOf,
    nextAttemptId: a.nextAttemptId || null,
    retryDueAt: a.retryDueAt,
    timings: {
      queuedAt: a.queuedAt,
      dialledAt: a.dialledAt,
      ringingAt: a.ringingAt,
      answeredAt: a.answeredAt,
      scriptStartedAt: a.scriptStartedAt,
      endedAt: a.endedAt,
      setupMs: a.dialledAt !== null && a.answeredAt !== null ? a.answeredAt - a.dialledAt : null,
      durationMs: a.answeredAt !== null && a.endedAt !== null ? a.endedAt - a.answeredAt : null,
    },
  };
}

export function traceView(e: AttemptEventRow, queuedAt: number): z.infer<typeof TraceEvent> {
  return {
    seq: e.seq,
    at: e.at,
    offsetMs: e.at - queuedAt,
    kind: e.kind,
    summary: e.summary,
    raw: e.raw,
    data: e.data,
  };
}
