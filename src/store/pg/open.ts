/**
 * Opening a PostgreSQL store: a node-postgres pool, drizzle over it, and the migrations from `db/pg/`.
 * The seed of the PostgreSQL driver (issue 19); the service does not run on it yet (docs/postgres.md).
 *
 * int8 (bigint: times in ms) comes back as a JS number, refusing values a double cannot hold exactly;
 * every error names the target (host:port/database) and never the password.
 */
import { resolve } from 'node:path';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Pool } from 'pg';
import { installInt8Parser } from './int8';
import { CONNECT, type Hint, MIGRATE, PgOpenError } from './open-error';
import { describeTarget, redactUrl, scrub } from './redact';
import * as schema from './schema';

export { parseInt8 } from './int8';
export { PgOpenError } from './open-error';

export type PgDb = NodePgDatabase<typeof schema> & { readonly $client: Pool };

export interface PgStore {
  readonly db: PgDb;
  readonly pool: Pool;
  /** `host:port/database`, for messages. */
  readonly target: string;
  close(): Promise<void>;
}

export interface PgStoreOptions {
  /** `postgres://user:password@host:port/database`; a missing password is taken from PGPASSWORD. */
  readonly url: string;
  /** Apply pending migrations from db/pg on open (default true). */
  readonly migrate?: boolean;
  readonly maxConnections?: number;
}

/** `db/pg/` in the repository, from both `src/store/pg` (ts) and `dist/store/pg` (built). */
export const PG_MIGRATIONS_DIR = resolve(__dirname, '..', '..', '..', 'db', 'pg');

/** Checks the URL's scheme before anything connects. */
function checkUrl(url: string, target: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return;
  throw new PgOpenError(
    `not a PostgreSQL URL (${redactUrl(url)}): write postgres://user:password@host:5432/database`,
    `ingen PostgreSQL-URL (${redactUrl(url)}): skriv postgres://användare:lösenord@värd:5432/databas`,
    target,
  );
}

export async function openPgStore(options: PgStoreOptions): Promise<PgStore> {
  const target = describeTarget(options.url);
  checkUrl(options.url, target);
  installInt8Parser();
  const pool = new Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const fail = async (hint: Hint, err: unknown): Promise<never> => {
    await pool.end().catch(() => {});
    const detail = scrub(err instanceof Error ? err.message : String(err), options.url);
    throw new PgOpenError(
      `PostgreSQL ${target}: ${hint.what}: ${detail}. ${hint.todo}`,
      `PostgreSQL ${target}: ${hint.whatSv}: ${detail}. ${hint.todoSv}`,
      target,
    );
  };
  try {
    const c = await pool.connect();
    c.release();
  } catch (err) {
    return fail(CONNECT, err);
  }
  const db = drizzle(pool, { schema }) as PgDb;
  if (options.migrate !== false) {
    try {
      await migrate(db, { migrationsFolder: PG_MIGRATIONS_DIR });
    } catch (err) {
      return fail(MIGRATE, err);
    }
  }
  return { db, pool, target, close: () => pool.end() };
}
