/**
 * One schema in two dialects: db/*.sql applied to a SQLite file and db/pg applied to a real PostgreSQL
 * must give the same catalog (tables, columns, keys, indexes). And the comparison must be able to fail.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTableColumns, getTableName, isTable, type Table } from 'drizzle-orm';
import { Client } from 'pg';
import { openStore } from '../../src/store';
import { type Catalog, diffCatalogs, pgCatalog, sqliteCatalog, type TableCatalog } from '../../src/store/pg/catalog';
import { openPgStore, PG_MIGRATIONS_DIR } from '../../src/store/pg/open';
import * as pgSchema from '../../src/store/pg/schema';
import * as sqliteSchema from '../../src/store/schema';
import { type PostgresPeer, startPostgres } from '../support/peers/postgres';

const users: TableCatalog = {
  columns: {
    id: { family: 'text', notNull: true, hasDefault: false },
    username: { family: 'text', notNull: true, hasDefault: false },
  },
  primaryKey: ['id'],
  uniques: ['users_username_uq(username)'],
  indexes: [],
  foreignKeys: [],
};

describe('diffCatalogs', () => {
  it('finds nothing between equal catalogs', () => {
    expect(diffCatalogs({ users }, { users })).toEqual([]);
  });

  it('names a column added on one side only, and each other kind of drift', () => {
    const withEmail: Catalog = {
      users: { ...users, columns: { ...users.columns, email: { family: 'text', notNull: false, hasDefault: false } } },
    };
    expect(diffCatalogs({ users }, withEmail)).toEqual(['users.email: column only in PostgreSQL']);
    expect(diffCatalogs(withEmail, { users })).toEqual(['users.email: column only in SQLite']);

    const drifted: Catalog = {
      users: {
        columns: {
          id: { family: 'text', notNull: true, hasDefault: false },
          username: { family: 'integer', notNull: false, hasDefault: true },
        },
        primaryKey: ['id', 'username'],
        uniques: [],
        indexes: ['users_username_uq(username)'],
        foreignKeys: ['(id) -> x(id) on delete cascade'],
      },
      extra: users,
    };
    expect(diffCatalogs({ users }, drifted, ['a', 'b'])).toEqual([
      'users.username: family text in a, integer in b',
      'users.username: notNull true in a, false in b',
      'users.username: hasDefault false in a, true in b',
      'users: primary key (id) in a, (id, username) in b',
      'users: unique users_username_uq(username) only in a',
      'users: index users_username_uq(username) only in b',
      'users: foreign key (id) -> x(id) on delete cascade only in b',
      'extra: table only in b',
    ]);
  });
});

/** Migrations in db/pg (the journal's entries). */
function pgMigrationCount(): number {
  const journal = JSON.parse(readFileSync(join(PG_MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/** export name → table name → JS property → column name, for the tables a schema module exports. */
function shape(mod: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [exportName, value] of Object.entries(mod)) {
    if (!isTable(value)) continue;
    const cols = Object.entries(getTableColumns(value as Table)).map(([key, c]) => `${key}=${c.name}`);
    out[exportName] = `${getTableName(value as Table)}(${cols.join(', ')})`;
  }
  return out;
}

describe('the two drizzle schemas', () => {
  it('export the same tables with the same property and column names (so code can use either)', () => {
    const sqlite = shape(sqliteSchema);
    expect(Object.keys(sqlite)).toHaveLength(27);
    expect(shape(pgSchema)).toEqual(sqlite);
  });
});

describe('db/*.sql on SQLite and db/pg on a real PostgreSQL', () => {
  let pg: PostgresPeer;
  let dir: string;
  beforeAll(async () => {
    pg = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'fyrkant-pg-schema-'));
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('build the same tables, columns, keys and indexes', async () => {
    const sqlite = openStore({ path: join(dir, 'fyrkant.db') });
    const store = await openPgStore({ url: pg.url });
    try {
      const a = sqliteCatalog(sqlite.sqlite);
      const b = await pgCatalog(store.pool);
      // Not vacuous: every table is there with its columns, keys and the dialect-specific families.
      expect(Object.keys(a)).toHaveLength(27);
      expect(Object.keys(a.attempts?.columns ?? {}).length).toBeGreaterThan(30);
      expect(a.phone_methods?.foreignKeys).toEqual(['(user_id) -> users(id) on delete cascade']);
      expect(a.phone_methods?.columns.is_default?.family).toBe('boolean');
      expect(b.audit_log?.columns.detail?.family).toBe('json');
      expect(b.ivr_recordings?.columns.wav?.family).toBe('bytes');
      expect(b.attempt_events?.uniques).toEqual(['attempt_events_seq_uq(attempt_id, seq)']);
      // The shared rate-limit ledger (issue 19) is in both.
      expect(b.rate_limit_slots?.primaryKey).toEqual(['id']);
      expect(b.rate_limit_calls?.indexes).toContain('rate_limit_calls_user_idx(user_id, at)');
      // One-time secrets waiting for their pickup on any node (issue 19) are in both.
      expect(b.one_time_secrets?.primaryKey).toEqual(['attempt_id']);
      expect(a.one_time_secrets?.indexes).toContain('one_time_secrets_expires_idx(expires_at)');
      // The login throttle's shared counts (issue 19) are in both.
      expect(b.login_throttle_pairs?.primaryKey).toEqual(['key']);
      expect(a.login_throttle_failed?.indexes).toContain('login_throttle_failed_source_idx(source_key)');
      expect(diffCatalogs(a, b, ['SQLite (db/*.sql)', 'PostgreSQL (db/pg)'])).toEqual([]);
    } finally {
      sqlite.close();
      await store.close();
    }
  }, 60_000);

  it('fails when PostgreSQL has a column SQLite lacks (a deliberately altered copy)', async () => {
    const url = await pg.createDatabase('altered');
    const store = await openPgStore({ url });
    const sqlite = openStore({ path: join(dir, 'altered.db') });
    try {
      await store.pool.query('ALTER TABLE users ADD COLUMN nickname text');
      await store.pool.query('DROP INDEX attempts_state_idx');
      const diff = diffCatalogs(sqliteCatalog(sqlite.sqlite), await pgCatalog(store.pool));
      expect(diff).toEqual([
        'attempts: index attempts_state_idx(state) only in SQLite',
        'users.nickname: column only in PostgreSQL',
      ]);
    } finally {
      sqlite.close();
      await store.close();
    }
  }, 60_000);

  it('the migrations run once: opening again applies nothing and keeps rows', async () => {
    const first = await openPgStore({ url: pg.url });
    await first.pool.query(
      "INSERT INTO nodes (id, hostname, pid, started_at, heartbeat_at) VALUES ('n1', 'h', 1, 1, 2)",
    );
    await first.close();
    const again = await openPgStore({ url: pg.url });
    try {
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      const m = await c.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      await c.end();
      expect(m.rows[0].n).toBe(pgMigrationCount());
      const r = await again.pool.query('SELECT id, started_at, heartbeat_at, active_calls FROM nodes');
      expect(r.rows).toEqual([{ id: 'n1', started_at: 1, heartbeat_at: 2, active_calls: 0 }]);
    } finally {
      await again.pool.query('DELETE FROM nodes');
      await again.close();
    }
  }, 60_000);
});
