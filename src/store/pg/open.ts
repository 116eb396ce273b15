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
import { Pool, type PoolConfig, types } from 'pg';
import { describeTarget, redactUrl, scrub } from './redact';
import * as schema from './schema';

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

const INT8_OID = 20;

/** Parses int8 text to a number; throws when the value is outside ±(2^53 − 1). */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`bigint ${text} does not fit a JavaScript number exactly (limit ±${Number.MAX_SAFE_INTEGER})`);
  }
  return n;
}

const typeParsers: NonNullable<PoolConfig['types']> = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : types.getTypeParser(oid, format as 'text')) as NonNullable<
    PoolConfig['types']
  >['getTypeParser'],
};

/** Why opening failed, with where and what to do (English; `sv` in Swedish); never the password. */
export class PgOpenError extends Error {
  override readonly name = 'PgOpenError';
  constructor(
    message: string,
    readonly sv: string,
    readonly target: string,
  ) {
    super(message);
  }
}

interface Hint {
  readonly what: string;
  readonly whatSv: string;
  readonly todo: string;
  readonly todoSv: string;
}

const CONNECT: Hint = {
  what: 'cannot connect',
  whatSv: 'kan inte ansluta',
  todo: 'Check that the server runs and accepts TCP there, that the database exists, and the user and password (URL or PGPASSWORD).',
  todoSv:
    'Kontrollera att servern kör och tar emot TCP där, att databasen finns, och användare och lösenord (URL eller PGPASSWORD).',
};

const MIGRATE: Hint = {
  what: 'applying the migrations in db/pg failed',
  whatSv: 'migreringarna i db/pg gick inte att köra',
  todo: 'The user needs CREATE on the database and schema public; fix the cause and run again (applied migrations are kept).',
  todoSv:
    'Användaren behöver CREATE på databasen och schemat public; rätta orsaken och kör igen (körda migreringar finns kvar).',
};

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
  const pool = new Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: 10_000,
    types: typeParsers,
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
