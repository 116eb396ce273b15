/**
 * Where the login throttle keeps its counts (port, issue 19). The throttle (login-throttle.ts) owns
 * every rule; a state only loads the entries of one (source, account) try, lets the rule change them
 * and keeps the result — as ONE step that no other try, on this node or another, can interleave with.
 * In memory for one process (`MemoryThrottleState`); in the database for every node sharing it (the
 * store's `StoreThrottleState`), so a password spray across nodes counts as one.
 */

/** The failures of one account from one source. */
export interface ThrottlePair {
  failures: number;
  /** The earliest time the next try may run. */
  next: number;
  last: number;
}

/** One source (address) across accounts. */
export interface ThrottleSource {
  /** Account key (`ThrottleEntries.accountKey`) → time of its last failure from this source. */
  readonly failed: Map<string, number>;
  next: number;
  last: number;
}

export interface ThrottleEntries {
  /** How this account is named in `source.failed` (the account itself, or a keyed hash of it). */
  readonly accountKey: string;
  readonly pair: ThrottlePair;
  readonly source: ThrottleSource;
}

export interface ThrottleState {
  /**
   * Runs `change` on the (source, account) pair and the source atomically and keeps what it changed.
   * Entries not known yet start fresh: no failures, `next` and `last` = `now`.
   */
  update<T>(source: string, account: string, now: number, change: (e: ThrottleEntries) => T): T;
  /** The `next` times as kept now (undefined = not known), for diagnostics. */
  peek(source: string, account: string): { readonly pairNext?: number; readonly sourceNext?: number };
}

/** A fresh pair at `now`. */
export function freshPair(now: number): ThrottlePair {
  return { failures: 0, next: now, last: now };
}

/** A fresh source at `now`. */
export function freshSource(now: number): ThrottleSource {
  return { failed: new Map(), next: now, last: now };
}

/** Idle: its last try is older than the window and it owes no wait. */
export function idle(e: { last: number; next: number }, now: number, windowMs: number): boolean {
  return now - e.last > windowMs && e.next <= now;
}
