/**
 * In-memory rate limits: calls per user and per number in sliding windows, new calls per minute
 * service-wide, and calls in progress. Concurrency is counted explicitly: `acquire` hands out a lease
 * that the caller must `release` when the call is over (idempotent), so a crashed call path that
 * forgets would show up as a leak in `active`, not as silently wrong numbers.
 *
 * The in-memory `RateLimitLedger`: for one process (`fyrkant call`, unit tests). `fyrkant serve`
 * counts in the database instead (src/store/repo/rate-limit-ledger.ts), shared by every node. On
 * restart these windows start empty, which errs towards allowing a few more calls, never towards
 * blocking forever.
 */
import {
  type Acquired,
  CONCURRENT_RETRY_MS,
  type RateLimitKey,
  type RateLimitLedger,
  type RateLimits,
  type Window,
} from './rate-limit-ledger';

export class RateLimiter implements RateLimitLedger {
  private readonly byUser = new Map<string, number[]>();
  private readonly byNumber = new Map<string, number[]>();
  private readonly global: number[] = [];
  private readonly leases = new Set<string>();
  private seq = 0;
  private lastPrune = 0;

  constructor(private readonly limits: RateLimits) {}

  /** Calls holding a concurrent slot now. */
  get active(): number {
    return this.leases.size;
  }

  /** Users and numbers with calls inside their windows (memory accounting, tests). */
  get tracked(): { users: number; numbers: number } {
    return { users: this.byUser.size, numbers: this.byNumber.size };
  }

  acquire(key: RateLimitKey, at = Date.now()): Acquired {
    // Windows of users/numbers never seen again would otherwise stay in memory for the process's life.
    if (at - this.lastPrune > 60_000) {
      this.prune(at);
      this.lastPrune = at;
    }
    if (this.leases.size >= this.limits.globalConcurrent)
      return { ok: false, reason: 'rate-limit-concurrent', retryAfterMs: CONCURRENT_RETRY_MS };
    // One process is one node: its own limit counts the same leases.
    const perNode = this.limits.perNodeConcurrent ?? 0;
    if (perNode > 0 && this.leases.size >= perNode)
      return { ok: false, reason: 'rate-limit-node-concurrent', retryAfterMs: CONCURRENT_RETRY_MS };
    const g = check(this.global, { max: this.limits.globalPerMinute, windowSeconds: 60 }, at);
    if (g !== null) return { ok: false, reason: 'rate-limit-global', retryAfterMs: g };
    const userTimes = key.userId ? bucket(this.byUser, key.userId) : undefined;
    if (userTimes) {
      const u = check(userTimes, this.limits.perUser, at);
      if (u !== null) return { ok: false, reason: 'rate-limit-user', retryAfterMs: u };
    }
    const numberTimes = bucket(this.byNumber, key.number);
    const n = check(numberTimes, this.limits.perNumber, at);
    if (n !== null) return { ok: false, reason: 'rate-limit-number', retryAfterMs: n };

    this.global.push(at);
    userTimes?.push(at);
    numberTimes.push(at);
    const id = `lease-${++this.seq}`;
    this.leases.add(id);
    const leases = this.leases;
    let released = false;
    return {
      ok: true,
      lease: {
        id,
        get released() {
          return released;
        },
        release() {
          released = true;
          leases.delete(id);
        },
      },
    };
  }

  /** Drops window entries older than the longest window (`acquire` does it once a minute). */
  prune(at = Date.now()): void {
    const horizon = Math.max(this.limits.perUser.windowSeconds, this.limits.perNumber.windowSeconds, 60) * 1000;
    for (const map of [this.byUser, this.byNumber]) {
      for (const [k, times] of map) {
        const keep = times.filter((t) => t > at - horizon);
        if (keep.length) map.set(k, keep);
        else map.delete(k);
      }
    }
  }
}

function bucket(map: Map<string, number[]>, key: string): number[] {
  let b = map.get(key);
  if (!b) {
    b = [];
    map.set(key, b);
  }
  return b;
}

/** Null when one more call fits in the window; else ms until the oldest call leaves it. */
function check(times: number[], w: Window, at: number): number | null {
  if (w.max === 0) return null;
  const windowMs = w.windowSeconds * 1000;
  while (times.length && (times[0] ?? 0) <= at - windowMs) times.shift();
  if (times.length < w.max) return null;
  return Math.max(1, (times[0] ?? at) + windowMs - at);
}
