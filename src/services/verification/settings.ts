/** Tunables of the verification service (from config; tests pass small numbers). */
import type { CallOutcome } from '../../domain/call-outcomes';
import type { BackoffPolicy } from '../../domain/retry/backoff';
import { DEFAULT_SCRYPT, type ScryptParams } from '../../domain/secrets/slow-hash';

export interface VerificationSettings {
  /** CANCEL an unanswered call after this long. */
  readonly ringTimeoutMs: number;
  /** Hard cap on an answered call (the script has its own timeouts; this is the safety net). */
  readonly maxCallMs: number;
  /**
   * Calls this node runs at once (the rest wait in its queue): `nodeCallLimit` of the rate limits.
   * Read on every start so a config reload applies.
   */
  readonly maxConcurrentCalls: () => number;
  /** Retries of the same number after these outcomes, with backoff. `maxTries: 1` = no retries. */
  readonly retry: BackoffPolicy & { readonly outcomes: readonly CallOutcome[] };
  /** Sign-in: if the default phone does not answer, call the user's next verified phone at once. */
  readonly backupPhone: boolean;
  /** Block the user for this many days after a fraud report (null = never block automatically). */
  readonly fraudAutoBlockDays: number | null;
  /** Issue an app password when an enrollment is approved and the user has none yet. */
  readonly issueAppPasswordOnEnrollment: boolean;
  /** How long the one-time app password waits for pickup. */
  readonly appPasswordPickupMs: number;
  /** The user's language when the row has none. */
  readonly defaultLanguage: string;
  /** Cost of the app-password hash issued at enrollment. */
  readonly scrypt: ScryptParams;
  /**
   * Trace events and pre-answer state changes are committed together at most this long after they
   * happen (issue 20; default TRACE_BATCH_WINDOW_MS). 0: once per event-loop turn. Outcomes commit at once.
   */
  readonly traceBatchWindowMs?: number;
}

/** Under load, many turns share one commit; live followers see events at most this much later. */
export const TRACE_BATCH_WINDOW_MS = 5;

export const DEFAULT_VERIFICATION_SETTINGS: VerificationSettings = {
  ringTimeoutMs: 30_000,
  maxCallMs: 120_000,
  maxConcurrentCalls: () => 10,
  retry: { initialMs: 60_000, factor: 2, maxMs: 600_000, maxTries: 1, outcomes: ['busy', 'no-answer', 'unavailable'] },
  backupPhone: true,
  fraudAutoBlockDays: null,
  issueAppPasswordOnEnrollment: true,
  appPasswordPickupMs: 15 * 60_000,
  defaultLanguage: 'sv-SE',
  scrypt: DEFAULT_SCRYPT,
};
