/**
 * Statements prepared once per connection (issue 20: the hot path's SQL).
 *
 * The 60/s profile of `bench:app` spent 23 % of the main thread in attempt state changes, most of it
 * drizzle building the same query text again and SQLite compiling it again (`prepare` 8 %, drizzle's
 * `is` 6 %). The hot repository functions keep their SQL text constant and get the compiled statement
 * from here: one per (connection, text), kept as long as the connection lives. A closed connection's
 * statements go with it; a store opened again prepares afresh on first use.
 */
import type Database from 'better-sqlite3';
import { Column, getTableColumns } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** The compiled statement for `sql` on this connection (compiled on first use). */
export function prepared<P extends unknown[] | object = unknown[], R = unknown>(
  sqlite: Database.Database,
  sql: string,
): Database.Statement<P, R> {
  let m = cache.get(sqlite);
  if (!m) {
    m = new Map();
    cache.set(sqlite, m);
  }
  let s = m.get(sql);
  if (!s) {
    s = sqlite.prepare(sql);
    m.set(sql, s);
  }
  return s as unknown as Database.Statement<P, R>;
}

const runners = new WeakMap<Database.Database, Database.Transaction<(work: () => unknown) => unknown>>();

/**
 * Runs `work` in one `BEGIN IMMEDIATE` transaction, or as a savepoint inside the caller's. IMMEDIATE:
 * a transaction that reads before it writes cannot upgrade its lock once another connection (the
 * CLI) committed meanwhile; SQLite then fails at once with SQLITE_BUSY instead of waiting.
 */
export function immediate<T>(sqlite: Database.Database, work: () => T): T {
  let run = runners.get(sqlite);
  if (!run) {
    run = sqlite.transaction((w: () => unknown) => w());
    runners.set(sqlite, run);
  }
  return run.immediate(work) as T;
}

/** SQL column name of each property of a drizzle table. */
export function columnNames(table: SQLiteTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, col] of Object.entries(getTableColumns(table))) out[key] = col.name;
  return out;
}

/** `"user_id" AS "userId", …`: rows come back with the same property names drizzle gives them. */
export function selectList(table: SQLiteTable): string {
  return Object.entries(columnNames(table))
    .map(([key, name]) => `"${name}" AS "${key}"`)
    .join(', ');
}

/**
 * Turns a raw row (selected with `selectList`) into what drizzle would return: columns with a driver
 * mapping (`mode: 'boolean'`, `mode: 'json'`) are mapped; plain text and integers come back as they are.
 */
export function rowMapper<R>(table: SQLiteTable): (row: Record<string, unknown>) => R {
  const mapped = Object.entries(getTableColumns(table)).filter(
    ([, col]) => col.mapFromDriverValue !== Column.prototype.mapFromDriverValue,
  );
  if (mapped.length === 0) return (row) => row as R;
  return (row) => {
    for (const [key, col] of mapped) if (row[key] != null) row[key] = col.mapFromDriverValue(row[key]);
    return row as R;
  };
}
