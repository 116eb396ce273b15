/**
 * The rate-limit ledger (port): where the policy counts calls in their windows and calls in
 * progress. `acquire` checks every limit and, when all pass, records the call and hands out a lease
 * on a concurrent-call slot in one step; the caller releases the lease when the call is over
 * (idempotent). In memory for one process (`RateLimiter`); in the database for every node sharing it
 * (the store's ledger), so limits hold across nodes and survive a restart.
 */
import type { RateLimitReason } from './reasons';

export interface Window {
  /** 0 = no limit. */
  readonly max: number;
  readonly windowSeconds: number;
}

export interface RateLimits {
  readonly perUser: Window;
  readonly perNumber: Window;
  /** Calls in progress at once, all nodes together. */
  readonly globalConcurrent: number;
  /** New calls per minute, all nodes together (0 = no limit). */
  readonly globalPerMinute: number;
  /** Calls in progress at once on one node; 0 or absent = no limit of its own. */
  readonly perNodeConcurrent?: number;
}

export interface Lease {
  readonly id: string;
  /** Ends the call's hold on a concurrent slot. Safe to call twice. */
  release(): void;
  readonly released: boolean;
}

export type Acquired =
  | { readonly ok: true; readonly lease: Lease }
  | { readonly ok: false; readonly reason: RateLimitReason; readonly retryAfterMs: number };

/** Who a call is for: windows per user (when known) and per number. */
export interface RateLimitKey {
  readonly userId?: string | null;
  readonly number: string;
}

export interface RateLimitLedger {
  /** Checks every limit at `at` and, if the call fits, records it and takes a slot — atomically. */
  acquire(key: RateLimitKey, at?: number): Acquired;
  /** Slots held through this ledger (this process / node) now. */
  readonly active: number;
}

/** How long a caller waits after a concurrent-slot denial (a slot frees when any call ends). */
export const CONCURRENT_RETRY_MS = 1000;
