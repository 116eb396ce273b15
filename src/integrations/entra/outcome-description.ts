/**
 * The `error_description` sent to Entra for a call that did not approve the sign-in: plain ASCII
 * (RFC 6749 §4.1.2.1 allows %x20-21 / %x23-5B / %x5D-7E only), one line, no personal data.
 */
import type { CallOutcome } from '../../domain/call-outcomes';

const DESCRIPTIONS: Partial<Record<CallOutcome, string>> = {
  fraud: 'The user reported this sign-in as not theirs (pressed 0 then #) - fraud report recorded',
  denied: 'The user did not approve the sign-in on the phone',
  'no-input': 'The phone was answered but nobody pressed #',
  'pin-failed': 'The PIN entered on the phone was wrong',
  hangup: 'The call was hung up before the sign-in was approved',
  busy: 'The phone was busy',
  'no-answer': 'Nobody answered the phone',
  rejected: 'The call was rejected',
  'not-found': 'The phone number could not be reached',
  unavailable: 'The phone system is unavailable',
  cancelled: 'The call was cancelled',
  timeout: 'The phone call took too long',
  failed: 'The phone call failed',
  'policy-denied': 'The phone number may not be called (destination policy)',
  'rate-limited': 'Too many calls to this user or number; try again later',
  interrupted: 'The phone call was interrupted',
};

export function describeOutcome(outcome: CallOutcome | string | null): string {
  return DESCRIPTIONS[(outcome ?? 'failed') as CallOutcome] ?? 'The phone call did not approve the sign-in';
}

export const TIMEOUT_DESCRIPTION = 'The sign-in was not approved on the phone in time';
