/**
 * What the "We're calling your phone" page says about an attempt, in plain words. Used for the first
 * render and for every Server-Sent Event, so the page reads the same with and without script.
 */
import { isCallOutcome, plainReason } from '../domain/call-outcomes';
import type { Attempt } from '../store/repo/attempts';
import type { MessageKey, Messages } from './i18n';

export type CallPhase =
  | 'queued'
  | 'dialling'
  | 'ringing'
  | 'answered'
  | 'in-script'
  | 'listening'
  /** This call failed, and fyrkant calls again on its own (retry after busy / no answer, backup phone). */
  | 'retrying'
  | 'verified'
  | 'failed';
/** The steps shown as a progress row. */
export const CALL_STEPS = ['dialling', 'ringing', 'answered', 'verified'] as const;
export type CallStep = (typeof CALL_STEPS)[number];

export interface CallStatus {
  readonly phase: CallPhase;
  readonly step: CallStep;
  readonly status: string;
  readonly reason?: string;
  readonly tip?: string;
  readonly final: boolean;
}

const TIP_BY_REASON_CODE: Readonly<Record<string, MessageKey>> = {
  voicemail: 'tip.voicemail',
  'answering-machine': 'tip.voicemail',
  'extension-rejected': 'tip.extension',
};

function tipFor(attempt: Pick<Attempt, 'outcome' | 'reasonCode' | 'digitsSent'>): MessageKey {
  const byCode = attempt.reasonCode ? TIP_BY_REASON_CODE[attempt.reasonCode] : undefined;
  if (byCode) return byCode;
  const outcome = attempt.outcome ?? 'failed';
  // Answered, extension dialled, and then nothing: the PBX most likely did not take the extension.
  if ((outcome === 'no-input' || outcome === 'hangup') && attempt.digitsSent) return 'tip.extension';
  switch (outcome) {
    case 'busy':
    case 'no-answer':
    case 'not-found':
    case 'rejected':
    case 'hangup':
    case 'no-input':
    case 'unavailable':
    case 'fraud':
    case 'policy-denied':
    case 'rate-limited':
    case 'blocked':
      return `tip.${outcome}`;
    case 'timeout':
      return 'tip.no-answer';
    default:
      return 'tip.generic';
  }
}

type StatusInput = Pick<Attempt, 'state' | 'outcome' | 'sipStatus' | 'reasonCode' | 'digitsSent'> &
  Partial<Pick<Attempt, 'retryDueAt' | 'nextAttemptId'>>;

/**
 * The status of the LATEST attempt of a chain (callers follow retries and backup calls forward): a
 * failed call with a retry still to come is not final — the page keeps following the chain.
 */
export function callStatus(attempt: StatusInput, m: Messages, now = Date.now()): CallStatus {
  if (attempt.state === 'ended') {
    if (attempt.outcome === 'approved') {
      return { phase: 'verified', step: 'verified', status: m.t('call.status.verified'), final: true };
    }
    const outcome = attempt.outcome && isCallOutcome(attempt.outcome) ? attempt.outcome : 'failed';
    const reached: CallStep = attempt.outcome === 'no-input' || attempt.outcome === 'hangup' ? 'answered' : 'dialling';
    if (attempt.retryDueAt != null && !attempt.nextAttemptId) {
      const seconds = Math.max(1, Math.ceil((attempt.retryDueAt - now) / 1000));
      return {
        phase: 'retrying',
        step: 'dialling',
        status: m.t('call.status.retrying', { seconds }),
        reason: m.t('call.reason', { reason: plainReason(outcome, attempt.sipStatus, m.lang) }),
        final: false,
      };
    }
    return {
      phase: 'failed',
      step: reached,
      status: m.t('call.status.failed'),
      reason: m.t('call.reason', { reason: plainReason(outcome, attempt.sipStatus, m.lang) }),
      tip: m.t('call.try', { tip: m.t(tipFor(attempt)) }),
      final: true,
    };
  }
  const step: CallStep =
    attempt.state === 'ringing'
      ? 'ringing'
      : attempt.state === 'answered' || attempt.state === 'in-script' || attempt.state === 'listening'
        ? 'answered'
        : 'dialling';
  return { phase: attempt.state, step, status: m.t(`call.status.${attempt.state}`), final: false };
}
