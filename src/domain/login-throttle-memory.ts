/**
 * The login throttle's state in process memory (one node; unit tests). Bounded: at most `maxEntries`
 * pairs and sources each; idle entries go first, and if none are idle the oldest-created half (an
 * attacker flooding the table).
 */
import {
  freshPair,
  freshSource,
  idle,
  type ThrottleEntries,
  type ThrottlePair,
  type ThrottleSource,
  type ThrottleState,
} from './login-throttle-state';

export class MemoryThrottleState implements ThrottleState {
  private readonly pairs = new Map<string, ThrottlePair>();
  private readonly sources = new Map<string, ThrottleSource>();

  constructor(
    private readonly maxEntries: number,
    private readonly windowMs: number,
  ) {}

  update<T>(source: string, account: string, now: number, change: (e: ThrottleEntries) => T): T {
    const pair = this.entry(this.pairs, pairKey(source, account), now, freshPair);
    const src = this.entry(this.sources, source, now, freshSource);
    return change({ accountKey: account, pair, source: src });
  }

  peek(source: string, account: string): { pairNext?: number; sourceNext?: number } {
    const pairNext = this.pairs.get(pairKey(source, account))?.next;
    const sourceNext = this.sources.get(source)?.next;
    return {
      ...(pairNext === undefined ? {} : { pairNext }),
      ...(sourceNext === undefined ? {} : { sourceNext }),
    };
  }

  private entry<E extends { last: number; next: number }>(
    map: Map<string, E>,
    key: string,
    now: number,
    fresh: (now: number) => E,
  ): E {
    let e = map.get(key);
    if (!e) {
      if (map.size >= this.maxEntries) this.evict(map, now);
      e = fresh(now);
      map.set(key, e);
    }
    return e;
  }

  private evict(map: Map<string, { last: number; next: number }>, now: number): void {
    for (const [k, e] of map) if (idle(e, now, this.windowMs)) map.delete(k);
    if (map.size < this.maxEntries) return;
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
