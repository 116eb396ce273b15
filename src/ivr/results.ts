/**
 * What a script run can end with. `set-result` may set the first group; the interpreter itself
 * produces the second when the call or the run ends before (or without) the script deciding.
 */
export const SETTABLE_RESULTS = ['approved', 'denied', 'fraud', 'no-input', 'pin-ok', 'pin-failed'] as const;
export type SettableResult = (typeof SETTABLE_RESULTS)[number];

export type ScriptResult =
  | SettableResult
  /** The far end hung up (or the call failed) before the script set a result. */
  | 'hangup'
  /** The maximum call duration was reached before a result was set. */
  | 'max-duration'
  /** The caller of `runScript` aborted the run before a result was set. */
  | 'aborted'
  /** The script ended without setting a result (e.g. `test-call` hung up by the tester). */
  | 'no-result'
  /** The run failed: missing prompt audio, no PIN verifier for a PIN script, a backend error. */
  | 'error';

/** Plain words for logs, the API and the UI. */
export function describeResult(result: ScriptResult): string {
  switch (result) {
    case 'approved':
      return 'the user confirmed on the phone';
    case 'denied':
      return 'the user did not confirm (wrong input)';
    case 'fraud':
      return 'the user reported that they did not ask for this call';
    case 'no-input':
      return 'no key was pressed';
    case 'pin-ok':
      return 'the user entered the correct PIN';
    case 'pin-failed':
      return 'the user entered a wrong PIN';
    case 'hangup':
      return 'the call ended before the user answered the prompt';
    case 'max-duration':
      return 'the call reached its maximum duration';
    case 'aborted':
      return 'the call was stopped by fyrkant';
    case 'no-result':
      return 'the script ended without a result';
    case 'error':
      return 'the call script failed';
  }
}
