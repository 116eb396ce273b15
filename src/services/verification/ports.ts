/**
 * What the verification service needs from the rest of fyrkant, as narrow interfaces. The
 * composition root adapts the destination policy + dial plan and the IVR interpreter to them, and
 * tests can substitute any of them without touching the service.
 */
import type { AttemptPurpose } from '../../domain/attempt-state';
import type { ScriptResult } from '../../ivr/results';
import type { LoadedScript } from '../../ivr/script';
import type { Call, DtmfSource, TraceSink } from '../../telephony/port';

export interface CallTarget {
  /** Null for a test call from the script editor (a typed destination, no user or stored phone). */
  readonly userId: string | null;
  readonly phoneMethodId: string | null;
  /** E.164 of a stored phone, or the number as the admin typed it (re-parsed with `country`). */
  readonly e164: string;
  readonly extension: string | null;
  readonly country: string;
  readonly purpose: AttemptPurpose;
  /** A sip: URI dialled as given (script-editor test calls); allowed only if telephony.allowSipUriDial. */
  readonly sipUri?: string;
}

/** Plain words in both languages the API/UI speak. */
export interface Texts {
  readonly sv: string;
  readonly en: string;
}

/** The destination policy and rate limits, and the dial plan for an allowed number. */
export type CallPlan =
  | {
      readonly allowed: true;
      readonly decisionId: string;
      /** The SIP Request-URI for the trunk. */
      readonly requestUri: string;
      /** Digits to send after answer (the extension with pauses), empty when dialled directly. */
      readonly postAnswerDigits: string;
    }
  | {
      readonly allowed: false;
      /** `policy` → 422 (never dialable as configured); `rate-limit` → 429 (try later). */
      readonly kind: 'policy' | 'rate-limit';
      readonly reasonCode: string;
      readonly message: Texts;
      readonly retryAfterMs?: number;
    };

export type DestinationCheck =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reasonCode: string; readonly message: Texts };

export interface CallPlanner {
  /** The destination rules only (country, number type, prefixes): no side effects, no rate limits. */
  check(target: CallTarget): DestinationCheck;
  /**
   * Destination rules and rate limits, and the dial plan. An allowed plan holds a call slot until
   * `release(decisionId)` (the service releases it when the call is over).
   */
  plan(target: CallTarget, at: number): CallPlan;
  release(decisionId: string): void;
}

export interface ScriptRun {
  /** The interpreter's result; src/services/calls/outcome.ts turns it into the attempt's outcome. */
  readonly result: ScriptResult;
  /** Digits the callee pressed (e.g. `#`, `0#`). */
  readonly digits: string;
  readonly dtmfSource?: DtmfSource;
  /** Digits sent after answer (the extension), if the script sent any. */
  readonly digitsSent?: string;
  /** Free-form detail for the trace, e.g. the script's last step. */
  readonly detail?: string;
}

export interface ScriptRequest {
  readonly purpose: AttemptPurpose;
  /** PIN mode: the method has a PIN hash. */
  readonly pin: boolean;
}

export interface ScriptInput {
  readonly attemptId: string;
  readonly scriptId: string;
  /** Runs this parsed script instead of the loaded `scriptId` (a draft's test call, issue 15). */
  readonly script?: LoadedScript;
  /** BCP 47, e.g. `sv-SE`. */
  readonly language: string;
  readonly variables: {
    readonly extension: string;
    readonly displayName: string;
  };
  /** PIN comparison against the stored hash; the script never sees the PIN itself. */
  readonly verifyPin?: (pin: string) => Promise<boolean>;
  readonly signal: AbortSignal;
  readonly trace: TraceSink;
  /** The script starts asking for the answer (its first `gather`): "press # now" from here on. */
  readonly onListening?: () => void;
  /**
   * The script reached a result while the call goes on (goodbye prompt, hang-up): the service
   * commits the outcome at once when it is the callee's answer (issue 20: '#' → outcome committed).
   */
  readonly onAnswer?: (answer: ScriptAnswer) => void;
}

/** A result the script reached before its run ended. */
export interface ScriptAnswer {
  readonly result: ScriptResult;
  readonly digits: string;
  readonly dtmfSource?: DtmfSource;
  readonly digitsSent: string;
}

export interface ScriptRunner {
  /** Which script (and its content hash) runs for a purpose; recorded on the attempt. */
  select(request: ScriptRequest): { readonly scriptId: string; readonly hash: string };
  run(call: Call, input: ScriptInput): Promise<ScriptRun>;
  /**
   * Wraps the attempt's trace sink before it is handed to the backend, so digits the script marks
   * secret (a PIN being entered) are masked in the stored trace. `run` must then get the wrapped sink.
   */
  guardTrace?(sink: TraceSink): TraceSink;
}
