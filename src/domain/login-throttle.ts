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
 * In memory and bounded (`maxEntries`); the clock is injected so tests run under a fake one.
 */

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

interface Pair {
  failures: number;
  next: number;
  last: number;
}

interface Source {
  /** Account → time of its last failure from this source. */
  readonly failed: Map<string, number>;
  next: number;
  last: number;
}

/** Distinct failed accounts remembered per source; beyond it the spray is obvious anyway. */
const MAX_ACCOUNTS_PER_SOURCE = 1000;

export class LoginThrottle {
  private readonly pairs = new Map<string, Pair>();
  private readonly sources = new Map<string, Source>();
  private readonly o: LoginThrottleOptions;

  constructor(
    options: Partial<LoginThrottleOptions> = {},
    private readonly clock: ThrottleClock = systemThrottleClock,
  ) {
    this.o = { ...DEFAULT_LOGIN_THROTTLE, ...options };
  }

  /**
   * Waits as the rule says, then runs `check` (true = the secret was right) and records the result.
   * `account` is whatever names the account tried (a username, an API key prefix).
   */
  async attempt(source: string, account: string, check: () => Promise<boolean>): Promise<ThrottleVerdict> {
    const now = this.clock.now();
    const pair = this.pair(source, account, now);
    const src = this.source(source, now);
    const at = Math.max(now, pair.next, src.next);
    const wait = at - now;
    if (wait > this.o.maxWaitMs) return { status: 'busy', retryAfterMs: wait };
    // Reserve the slot so a parallel try waits behind this one.
    pair.next = at + this.pairDelay(pair.failures);
    src.next = at + this.sourceDelay(src);
    if (wait > 0) await this.clock.sleep(wait);
    const ok = await check();
    const done = this.clock.now();
    pair.last = done;
    src.last = done;
    if (ok) {
      pair.failures = 0;
      pair.next = done;
      src.failed.delete(account);
    } else {
      pair.failures++;
      if (src.failed.size < MAX_ACCOUNTS_PER_SOURCE || src.failed.has(account)) src.failed.set(account, done);
      pair.next = Math.max(pair.next, done + this.pairDelay(pair.failures));
      src.next = Math.max(src.next, done + this.sourceDelay(src));
    }
    return { status: 'checked', ok, waitedMs: wait };
  }

  /** The wait a try from `source` for `account` would have now (for tests and diagnostics). */
  pendingDelay(source: string, account: string): number {
    const now = this.clock.now();
    const pair = this.pairs.get(pairKey(source, account));
    const src = this.sources.get(source);
    return Math.max(0, (pair?.next ?? now) - now, (src?.next ?? now) - now);
  }

  private pairDelay(failures: number): number {
    const over = failures - this.o.freeFailures;
    return over < 0 ? 0 : Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** over);
  }

  private sourceDelay(src: Source): number {
    const over = src.failed.size - this.o.sprayFreeAccounts;
    return over <= 0 ? 0 : Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (over - 1));
  }

  private pair(source: string, account: string, now: number): Pair {
    const key = pairKey(source, account);
    let p = this.pairs.get(key);
    if (p && now - p.last > this.o.windowMs && p.next <= now) {
      this.pairs.delete(key);
      p = undefined;
    }
    if (!p) {
      if (this.pairs.size >= this.o.maxEntries) this.evict(this.pairs, now);
      p = { failures: 0, next: now, last: now };
      this.pairs.set(key, p);
    }
    return p;
  }

  private source(source: string, now: number): Source {
    let s = this.sources.get(source);
    if (!s) {
      if (this.sources.size >= this.o.maxEntries) this.evict(this.sources, now);
      s = { failed: new Map(), next: now, last: now };
      this.sources.set(source, s);
    }
    for (const [account, at] of s.failed) if (now - at > this.o.windowMs) s.failed.delete(account);
    return s;
  }

  /** Forget idle entries; if none are idle, the oldest-created half (an attacker flooding the table). */
  private evict(map: Map<string, { last: number; next: number }>, now: number): void {
    for (const [k, e] of map) if (now - e.last > this.o.windowMs && e.next <= now) map.delete(k);
    if (map.size < this.o.maxEntries) return;
    let drop = Math.ceil(map.size / 2);
    for (const k of map.keys()) {
      if (drop-- <= 0) break;
      map.delete(k);
    }
  }
}

function pairKey(source: string, account: string): string {
  return `${source}\u0000${account}`;
}
