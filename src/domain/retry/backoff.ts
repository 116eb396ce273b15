/**
 * Exponential backoff with a cap, shared by call retries (busy / no answer / unavailable) and
 * webhook redelivery. Deterministic unless a jitter source is given, so tests can assert exact times.
 */
export interface BackoffPolicy {
  /** Delay before the first retry. */
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
  /** Total tries including the first one; retries stop after this many. */
  readonly maxTries: number;
}

/**
 * The delay before try number `nextTry` (2 = the first retry), or undefined when no try is left.
 * `jitter` (0..1) spreads retries of many callers so they do not hit the PBX at the same moment.
 */
export function backoffDelay(policy: BackoffPolicy, nextTry: number, jitter?: () => number): number | undefined {
  if (nextTry < 2 || nextTry > policy.maxTries) return undefined;
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (nextTry - 2));
  if (!jitter) return Math.round(base);
  // Up to +25 %: never earlier than the configured delay.
  return Math.round(base * (1 + 0.25 * Math.min(1, Math.max(0, jitter()))));
}
