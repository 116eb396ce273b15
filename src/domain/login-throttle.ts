/**
 * Slows down password guessing without letting anyone lock a real user out (issue 13).
 *
 * - Failures are counted per (source, account): guesses from elsewhere never slow the real user
 *   down. After `freeFailures` failures each further try from that source for that account waits
 *   longer (baseDelayMs, doubling, at most maxDelayMs) — a delay, never a refusal: the right secret
 *   still succeeds once the wait is over, and success clears the count.
 * - A password spray (one source failing on more than `sprayFreeAccounts` different accounts inside
 *   the window) slows every try from that source the same growing way.
 * - Tries line up: each reserves the next free slot of its (source, account) and its source, so
 *   parallel requests cannot skip the delay. Only a try that would have to wait longer than
 *   `maxWaitMs` is refused ("busy", retry later) — that takes many concurrent tries from one source.
 *
 * The counts live in a `ThrottleState` (login-throttle-state.ts): in memory by default, in the
 * database under `fyrkant serve` so every node on it counts the same tries (issue 19); both bounded
 * by `maxEntries`. The clock is injected so tests run under a fake one.
 */
import { MemoryThrottleState } from './login-throttle-memory';
import { freshPair, idle, type ThrottleEntries, type ThrottleSource, type ThrottleState } from './login-throttle-state';

export interface ThrottleClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemThrottleClock: ThrottleClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface LoginThrottleOptions {
  /** Failures per (source, account) before delays start. */
  readonly freeFailures: number;
  /** The first delay; each further failure doubles it. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Different accounts one source may fail on (inside the window) before all its tries slow down. */
  readonly sprayFreeAccounts: number;
  /** Failures older than this are forgotten. */
  readonly windowMs: number;
  /** A try that would have to wait longer than this is refused as busy. */
  readonly maxWaitMs: number;
  /** Tracked (source, account) pairs and sources, each. */
  readonly maxEntries: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  sprayFreeAccounts: 5,
  windowMs: 15 * 60_000,
  maxWaitMs: 60_000,
  maxEntries: 10_000,
};

export type ThrottleVerdict =
  | { readonly status: 'checked'; readonly ok: boolean; readonly waitedMs: number }
  | { readonly status: 'busy'; readonly retryAfterMs: number };

/** Distinct failed accounts remembered per source; beyond it the spray is obvious anyway. */
const MAX_ACCOUNTS_PER_SOURCE = 1000;

export class LoginThrottle {
  private readonly o: LoginThrottleOptions;
  private readonly state: ThrottleState;

  /** `state` defaults to this process's memory; serve passes the database's (shared by every node). */
  constructor(
    options: Partial<LoginThrottleOptions> = {},
    private readonly clock: ThrottleClock = systemThrottleClock,
    state?: ThrottleState,
  ) {
    this.o = { ...DEFAULT_LOGIN_THROTTLE, ...options };
    this.state = state ?? new MemoryThrottleState(this.o.maxEntries, this.o.windowMs);
  }

  /**
   * Waits as the rule says, then runs `check` (true = the secret was right) and records the result.
   * `account` is whatever names the account tried (a username, an API key prefix).
   */
  async attempt(source: string, account: string, check: () => Promise<boolean>): Promise<ThrottleVerdict> {
    const now = this.clock.now();
    const wait = this.state.update(source, account, now, (e) => this.reserve(e, now));
    if (wait > this.o.maxWaitMs) return { status: 'busy', retryAfterMs: wait };
    if (wait > 0) await this.clock.sleep(wait);
    const ok = await check();
    const done = this.clock.now();
    this.state.update(source, account, done, (e) => this.record(e, ok, done));
    return { status: 'checked', ok, waitedMs: wait };
  }

  /** The wait a try from `source` for `account` would have now (for tests and diagnostics). */
  pendingDelay(source: string, account: string): number {
    const now = this.clock.now();
    const { pairNext = now, sourceNext = now } = this.state.peek(source, account);
    return Math.max(0, pairNext - now, sourceNext - now);
  }

  /** Reserves the try's slot so a parallel try waits behind it; the wait (over maxWaitMs = reserves nothing). */
  private reserve({ pair, source }: ThrottleEntries, now: number): number {
    if (idle(pair, now, this.o.windowMs)) Object.assign(pair, freshPair(now));
    for (const [account, at] of source.failed) if (now - at > this.o.windowMs) source.failed.delete(account);
    const at = Math.max(now, pair.next, source.next);
    const wait = at - now;
    if (wait > this.o.maxWaitMs) return wait;
    pair.next = at + this.pairDelay(pair.failures);
    source.next = at + this.sourceDelay(source);
    return wait;
  }

  private record({ accountKey, pair, source }: ThrottleEntries, ok: boolean, done: number): void {
    pair.last = done;
    source.last = done;
    if (ok) {
      pair.failures = 0;
      pair.next = done;
      source.failed.delete(accountKey);
      return;
    }
    pair.failures++;
    if (source.failed.size < MAX_ACCOUNTS_PER_SOURCE || source.failed.has(accountKey))
      source.failed.set(accountKey, done);
    pair.next = Math.max(pair.next, done + this.pairDelay(pair.failures));
    source.next = Math.max(source.next, done + this.sourceDelay(source));
  }

  private pairDelay(failures: number): number {
    const over = failures - this.o.freeFailures;
    return over < 0 ? 0 : Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** over);
  }

  private sourceDelay(src: ThrottleSource): number {
    const over = src.failed.size - this.o.sprayFreeAccounts;
    return over <= 0 ? 0 : Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (over - 1));
  }
}
