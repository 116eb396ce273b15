/** How a script result or a dial failure becomes the call's outcome (the domain's outcome table). */
import { type CallOutcome, meaningOfSipStatus, OUTCOME_OF_FAILURE } from '../../domain/call-outcomes';
import type { ScriptResult } from '../../ivr';
import type { DialFailure } from '../../telephony/port';

export function outcomeOfScript(result: ScriptResult): CallOutcome {
  switch (result) {
    case 'approved':
    case 'pin-ok':
      return 'approved';
    case 'denied':
    case 'fraud':
    case 'no-input':
    case 'pin-failed':
    case 'hangup':
      return result;
    case 'max-duration':
      return 'timeout';
    case 'aborted':
      return 'cancelled';
    case 'no-result':
    case 'error':
      return 'failed';
  }
}

export function outcomeOfDialFailure(f: DialFailure): CallOutcome {
  // Our own CANCEL (ring timeout) answers 487; the failure reason says why we cancelled.
  if (f.sipStatus && f.sipStatus >= 300 && f.sipStatus !== 487 && f.reason !== 'media') {
    return meaningOfSipStatus(f.sipStatus).outcome;
  }
  return OUTCOME_OF_FAILURE[f.reason];
}
