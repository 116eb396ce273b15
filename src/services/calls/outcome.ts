/**
 * The ONE classification of how a call ended: a dial failure, a script result, a policy refusal, or
 * our own stop (cancel, shutdown, maximum duration) → the attempt's outcome and reason code. The
 * service (API, web UI) and `fyrkant call` both end their calls through here, so the same call gets
 * the same outcome everywhere. (A SIP status → dial failure is src/telephony/dial-failure.ts.)
 */
import type { CallOutcome } from '../../domain/call-outcomes';
import type { ScriptResult } from '../../ivr/results';
import type { DialFailure, DialFailureReason } from '../../telephony/port';

/** Why fyrkant stopped a call itself. */
export const STOP_REASONS = ['shutdown', 'cancelled', 'max-duration', 'drain-deadline'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/** An AbortSignal's reason as a stop reason; any other abort (Ctrl-C, a plain `abort()`) is a cancel. */
export function stopReasonOf(signal: AbortSignal): StopReason | undefined {
  if (!signal.aborted) return undefined;
  const r: unknown = signal.reason;
  return typeof r === 'string' && (STOP_REASONS as readonly string[]).includes(r) ? (r as StopReason) : 'cancelled';
}

export interface Classified {
  readonly outcome: CallOutcome;
  readonly reasonCode: string;
}

export const OUTCOME_OF_STOP: Readonly<Record<StopReason, CallOutcome>> = {
  shutdown: 'interrupted',
  cancelled: 'cancelled',
  'max-duration': 'timeout',
  /** A drain's time ran out (node.drainSeconds) and the call was hung up. */
  'drain-deadline': 'interrupted',
};

/** The outcome of a typed dial failure. */
export const OUTCOME_OF_FAILURE: Readonly<Record<DialFailureReason, CallOutcome>> = {
  busy: 'busy',
  'no-answer': 'no-answer',
  rejected: 'rejected',
  'not-found': 'not-found',
  unavailable: 'unavailable',
  cancelled: 'cancelled',
  timeout: 'no-answer',
  network: 'failed',
  media: 'failed',
  policy: 'policy-denied',
};

export function classifyDialFailure(f: DialFailure, stop?: StopReason): Classified {
  if (stop) return { outcome: OUTCOME_OF_STOP[stop], reasonCode: stop };
  return { outcome: OUTCOME_OF_FAILURE[f.reason], reasonCode: f.sipStatus ? `sip-${f.sipStatus}` : f.reason };
}

const OF_SCRIPT: Readonly<Record<ScriptResult, CallOutcome>> = {
  approved: 'approved',
  'pin-ok': 'approved',
  denied: 'denied',
  fraud: 'fraud',
  'no-input': 'no-input',
  'pin-failed': 'pin-failed',
  hangup: 'hangup',
  'max-duration': 'timeout',
  aborted: 'cancelled',
  // The script ended without deciding: nobody gave an answer it recognised.
  'no-result': 'no-input',
  error: 'failed',
};

/** Results that are the person's own answer: they stand even if a stop came right after. */
const ANSWERS: ReadonlySet<ScriptResult> = new Set(['approved', 'pin-ok', 'denied', 'fraud', 'pin-failed']);

/** The result is the callee's answer (not how the call or run ended): it decides the attempt. */
export function isAnswer(result: ScriptResult): boolean {
  return ANSWERS.has(result);
}

export function classifyScript(result: ScriptResult, stop?: StopReason): Classified {
  if (stop && !ANSWERS.has(result)) return { outcome: OUTCOME_OF_STOP[stop], reasonCode: stop };
  return { outcome: OF_SCRIPT[result], reasonCode: `script-${result}` };
}

/** Why a call was never placed. */
export type Refusal = 'policy' | 'rate-limit' | 'blocked';

export function classifyRefusal(kind: Refusal, reasonCode: string): Classified {
  const outcome: CallOutcome = kind === 'policy' ? 'policy-denied' : kind === 'rate-limit' ? 'rate-limited' : 'blocked';
  return { outcome, reasonCode };
}
