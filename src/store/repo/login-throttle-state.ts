/**
 * The login throttle's counts in the database (issue 19): every node on this database sees the same
 * failures, so a password spray spread over the nodes slows down after the same number of tries as on
 * one node. The rules stay in the domain (src/domain/login-throttle.ts); this only loads the try's
 * entries, lets the rule change them and writes them back — in ONE `BEGIN IMMEDIATE` transaction, so
 * no other try on any node reads or writes them in between (better-sqlite3 runs it without yielding).
 *
 * Nothing secret and no plain names: sources and accounts are kept only as keyed hashes (HMAC-SHA256
 * under `hashKey`, which every node derives from the shared session secret), so the tables are not a
 * list of attacked usernames or addresses. Idle rows (older than the window, owing no wait) are pruned
 * about once a minute; reading them back would give the same fresh entry anyway. Each table holds at
 * most `maxEntries` rows, as the in-memory throttle does (login-throttle-bound.ts says what goes first).
 */
import { createHmac } from 'node:crypto';
import { DEFAULT_LOGIN_THROTTLE } from '../../domain/login-throttle';
import {
  freshPair,
  type ThrottleEntries,
  type ThrottlePair,
  type ThrottleSource,
  type ThrottleState,
} from '../../domain/login-throttle-state';
import type { Db } from '../open';
import { boundFailed, boundSources, boundTable } from './login-throttle-bound';
import { immediate, prepared } from './prepared';

export interface StoreThrottleStateOptions {
  /** The HMAC key for sources and accounts; the same on every node (see `throttleHashKey`). */
  readonly hashKey: string | Buffer;
  /**
   * Which throttle these counts are for ('web', 'app-passwords'): throttles with different scopes on
   * one database keep apart counts, as separate in-memory throttles do.
   */
  readonly scope: string;
  /** The throttle's window: rows idle longer than it are pruned. */
  readonly windowMs: number;
  /** Rows per table at most (default: the in-memory throttle's `maxEntries`). */
  readonly maxEntries?: number;
}

const PRUNE_EVERY_MS = 60_000;

const GET_PAIR = 'SELECT failures, next_at AS next, last_at AS last FROM login_throttle_pairs WHERE key = ?';
const GET_SOURCE = 'SELECT next_at AS next, last_at AS last FROM login_throttle_sources WHERE key = ?';
const GET_FAILED = 'SELECT account_key AS account, at FROM login_throttle_failed WHERE source_key = ?';
const PUT_PAIR = `INSERT INTO login_throttle_pairs (key, failures, next_at, last_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, next_at = excluded.next_at, last_at = excluded.last_at`;
const PUT_SOURCE = `INSERT INTO login_throttle_sources (key, next_at, last_at) VALUES (?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET next_at = excluded.next_at, last_at = excluded.last_at`;
const PUT_FAILED = `INSERT INTO login_throttle_failed (key, source_key, account_key, at) VALUES (?, ?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET at = excluded.at`;
const DELETE_FAILED = 'DELETE FROM login_throttle_failed WHERE key = ?';
const PRUNE = [
  'DELETE FROM login_throttle_pairs WHERE last_at < @before AND next_at <= @now',
  'DELETE FROM login_throttle_sources WHERE last_at < @before AND next_at <= @now',
  'DELETE FROM login_throttle_failed WHERE at < @before',
];

/** Which rows a try added: only then can a table have grown past its cap. */
interface Added {
  readonly pair: boolean;
  readonly source: boolean;
  failed: boolean;
}

interface Keys {
  readonly pair: string;
  readonly source: string;
  readonly account: string;
}

export class StoreThrottleState implements ThrottleState {
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly o: StoreThrottleStateOptions,
  ) {}

  update<T>(source: string, account: string, now: number, change: (e: ThrottleEntries) => T): T {
    const k = this.keys(source, account);
    const sqlite = this.db.$client;
    return immediate(sqlite, () => {
      if (now - this.lastPrune > PRUNE_EVERY_MS) {
        this.prune(now);
        this.lastPrune = now;
      }
      const stored = prepared<[string], ThrottlePair>(sqlite, GET_PAIR).get(k.pair);
      const pair: ThrottlePair = { ...(stored ?? freshPair(now)) };
      const before = new Map(
        prepared<[string], { account: string; at: number }>(sqlite, GET_FAILED)
          .all(k.source)
          .map((r) => [r.account, r.at] as const),
      );
      const row = prepared<[string], { next: number; last: number }>(sqlite, GET_SOURCE).get(k.source);
      const src: ThrottleSource = { failed: new Map(before), next: row?.next ?? now, last: row?.last ?? now };
      const out = change({ accountKey: k.account, pair, source: src });
      const added: Added = { pair: !stored, source: !row, failed: false };
      prepared(sqlite, PUT_PAIR).run(k.pair, pair.failures, pair.next, pair.last);
      prepared(sqlite, PUT_SOURCE).run(k.source, src.next, src.last);
      for (const acc of before.keys())
        if (!src.failed.has(acc)) prepared(sqlite, DELETE_FAILED).run(failedKey(k.source, acc));
      for (const [acc, at] of src.failed)
        if (before.get(acc) !== at) {
          prepared(sqlite, PUT_FAILED).run(failedKey(k.source, acc), k.source, acc, at);
          added.failed ||= !before.has(acc);
        }
      this.bound(k, added, now);
      return out;
    });
  }

  peek(source: string, account: string): { pairNext?: number; sourceNext?: number } {
    const k = this.keys(source, account);
    const sqlite = this.db.$client;
    const pairNext = prepared<[string], ThrottlePair>(sqlite, GET_PAIR).get(k.pair)?.next;
    const sourceNext = prepared<[string], { next: number }>(sqlite, GET_SOURCE).get(k.source)?.next;
    return {
      ...(pairNext === undefined ? {} : { pairNext }),
      ...(sourceNext === undefined ? {} : { sourceNext }),
    };
  }

  /** Keeps every table at most `maxEntries` rows, never dropping this try's own. */
  private bound(k: Keys, added: Added, now: number): void {
    const sqlite = this.db.$client;
    const b = { maxEntries: this.o.maxEntries ?? DEFAULT_LOGIN_THROTTLE.maxEntries, windowMs: this.o.windowMs };
    if (added.pair) boundTable(sqlite, 'login_throttle_pairs', k.pair, now, b);
    if (added.source) boundSources(sqlite, k.source, now, b);
    if (added.failed) boundFailed(sqlite, k.source, b);
  }

  /** Deletes rows idle longer than the window. Inside `update` about once a minute. */
  prune(now: number): void {
    for (const sql of PRUNE) prepared(this.db.$client, sql).run({ before: now - this.o.windowMs, now });
  }

  private keys(source: string, account: string): Keys {
    const scope = this.o.scope;
    return {
      pair: this.hash(`pair\u0000${scope}\u0000${source}\u0000${account}`),
      source: this.hash(`source\u0000${scope}\u0000${source}`),
      account: this.hash(`account\u0000${scope}\u0000${account}`),
    };
  }

  private hash(text: string): string {
    return createHmac('sha256', this.o.hashKey).update(text).digest('base64url').slice(0, 32);
  }
}

function failedKey(sourceKey: string, accountKey: string): string {
  return `${sourceKey}:${accountKey}`;
}

/** The throttle's HMAC key from the nodes' shared session secret (a key of its own, not the secret). */
export function throttleHashKey(sessionSecret: string): Buffer {
  return createHmac('sha256', sessionSecret).update('fyrkant login throttle keys v1').digest();
}
