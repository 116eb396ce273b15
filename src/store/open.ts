/**
 * Opening the SQLite database: pragmas, then the drizzle migrations from `db/`.
 *
 * WAL lets the HTTP API read while a call writes; `busy_timeout` makes a second writer (the CLI while
 * `serve` runs) wait instead of failing with SQLITE_BUSY; foreign keys are off by default in SQLite.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { type Checkpointer, type CheckpointerOptions, startCheckpointer } from './checkpointer';
import * as schema from './schema';

/** drizzle over the connection; `$client` is that connection (prepared statements of the hot path). */
export type Db = BetterSQLite3Database<typeof schema> & { readonly $client: Database.Database };

export interface StoreOptions {
  /** File path, or `:memory:` (tests of pure logic only; the product always uses a file). */
  readonly path: string;
  readonly busyTimeoutMs?: number;
  /** Apply pending migrations on open (default true). */
  readonly migrate?: boolean;
  /**
   * WAL checkpoints on a worker thread instead of inside a commit (the long-running service; see
   * checkpointer.ts). Ignored for `:memory:`. `onError` hears why a checkpoint failed.
   */
  readonly backgroundCheckpoints?: CheckpointerOptions & { readonly onError?: (message: string) => void };
}

export interface Store {
  readonly db: Db;
  /** The raw connection, for pragmas, integrity checks and backups. */
  readonly sqlite: Database.Database;
  readonly path: string;
  /** Present when checkpoints run on a worker thread. */
  readonly checkpointer?: Checkpointer;
  close(): void;
}

/**
 * Every `db.transaction` takes the write lock when it begins (BEGIN IMMEDIATE), so it waits
 * (busy_timeout) while another process writes. A deferred one that reads first cannot: once the
 * other process commits, its snapshot is stale and SQLite refuses the upgrade to a write at once
 * with "database is locked" (a three-node site lost a third of its user deletions so while the
 * others placed calls; the CLI beside `serve` too; test/store/write-lock.test.ts). Nested calls
 * stay savepoints.
 */
function beginImmediateByDefault(db: BetterSQLite3Database<typeof schema>): void {
  const begin = db.transaction.bind(db);
  db.transaction = ((work, config) => begin(work, { behavior: 'immediate', ...config })) as typeof db.transaction;
}

/** `db/` in the repository, from both `src/store` (ts) and `dist/store` (built). */
export const MIGRATIONS_DIR = resolve(__dirname, '..', '..', 'db');

export function openStore(options: StoreOptions): Store {
  if (options.path !== ':memory:') mkdirSync(dirname(resolve(options.path)), { recursive: true });
  const sqlite = new Database(options.path);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    // NORMAL is durable under WAL except for the last transactions on power loss; a crash of the process loses nothing.
    sqlite.pragma('synchronous = NORMAL');
    // Savepoint and statement journals in memory, not in temp files: at 60 verifications/s they were
    // 2,468 writes (18 KB per verification) to deleted files in /var/tmp (strace of bench:app).
    sqlite.pragma('temp_store = MEMORY');
    const db = drizzle(sqlite, { schema });
    beginImmediateByDefault(db);
    if (options.migrate !== false) runMigrations(db);
    const bg = options.backgroundCheckpoints;
    const checkpointer =
      bg && options.path !== ':memory:' ? startCheckpointer(sqlite, resolve(options.path), bg, bg.onError) : undefined;
    return {
      db,
      sqlite,
      path: options.path,
      ...(checkpointer ? { checkpointer } : {}),
      close: () => {
        checkpointer?.stop();
        sqlite.close();
      },
    };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

export function runMigrations(db: Db): void {
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
}

/** Applied migrations (drizzle's bookkeeping table), oldest first. */
export function appliedMigrations(store: Store): { hash: string; createdAt: number }[] {
  const exists = store.sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='__drizzle_migrations'")
    .get();
  if (!exists) return [];
  return store.sqlite
    .prepare('SELECT hash, created_at AS createdAt FROM __drizzle_migrations ORDER BY created_at')
    .all() as { hash: string; createdAt: number }[];
}
