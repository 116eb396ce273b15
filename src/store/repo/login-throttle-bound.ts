/**
 * The size cap on the login throttle's tables (the database twin of the in-memory throttle's
 * `maxEntries`): many usernames sprayed from many addresses inside one window must not grow the
 * tables — disk, and every try's reads — without bound.
 *
 * Called after a try wrote a row that was not there before. Over the cap, pairs and sources go in this
 * order, never the current try's own row:
 *   1. idle rows (last seen before the window, owing no wait) — what the minute's prune would drop;
 *   2. the least recently seen rows owing no wait (next_at <= now): only their failure counts go;
 *   3. only if rows that still owe a wait alone exceed the cap: those whose wait ends soonest. Chosen
 *      over letting the table grow, because the cap is the point (an attacker with enough addresses
 *      can make every row owe a wait), and the wait that ends soonest is the least protection lost; a
 *      wait lasts at most maxDelayMs, so such rows are young and this only happens under a flood.
 * A dropped source takes its failed-accounts rows with it. Those rows are capped too, oldest first
 * (the current source's excepted, so it may exceed the cap by at most one source's accounts): they
 * only raise a source's next delay; the wait a source owes now is in its own row.
 */
import type Database from 'better-sqlite3';
import { prepared } from './prepared';

export interface ThrottleBound {
  /** Rows per table at most (the in-memory throttle's `maxEntries`). */
  readonly maxEntries: number;
  readonly windowMs: number;
}

type Table = 'login_throttle_pairs' | 'login_throttle_sources';

/** Rows that may go, in the order they go; `@keep` is the current try's row. */
function victims(table: Table): string[] {
  const pick = (where: string, order: string) =>
    `DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} WHERE key != @keep AND ${where} ORDER BY ${order} LIMIT @n) RETURNING key`;
  return [
    pick('last_at < @before AND next_at <= @now', 'last_at'),
    pick('next_at <= @now', 'last_at'),
    pick('1', 'next_at'),
  ];
}

const DROP_FAILED_OF_SOURCE = 'DELETE FROM login_throttle_failed WHERE source_key = ?';
const DROP_OLDEST_FAILED = `DELETE FROM login_throttle_failed WHERE key IN
  (SELECT key FROM login_throttle_failed WHERE source_key != @keep ORDER BY at LIMIT @n)`;

function count(sqlite: Database.Database, table: string): number {
  return (prepared<[], { n: number }>(sqlite, `SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** Brings `table` back to the cap; returns the keys it dropped. */
export function boundTable(
  sqlite: Database.Database,
  table: Table,
  keep: string,
  now: number,
  b: ThrottleBound,
): string[] {
  const dropped: string[] = [];
  for (const sql of victims(table)) {
    const n = count(sqlite, table) - b.maxEntries;
    if (n <= 0) break;
    const rows = prepared<object, { key: string }>(sqlite, sql).all({ keep, n, now, before: now - b.windowMs });
    for (const r of rows) dropped.push(r.key);
  }
  return dropped;
}

/** Sources back to the cap, with the failed-accounts rows of those dropped. */
export function boundSources(sqlite: Database.Database, keep: string, now: number, b: ThrottleBound): void {
  for (const key of boundTable(sqlite, 'login_throttle_sources', keep, now, b))
    prepared(sqlite, DROP_FAILED_OF_SOURCE).run(key);
}

/** Failed-accounts rows back to the cap, oldest first, except the current source's. */
export function boundFailed(sqlite: Database.Database, keepSource: string, b: ThrottleBound): void {
  const n = count(sqlite, 'login_throttle_failed') - b.maxEntries;
  if (n > 0) prepared(sqlite, DROP_OLDEST_FAILED).run({ keep: keepSource, n });
}
