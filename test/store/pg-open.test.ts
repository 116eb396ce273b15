/** Opening a PostgreSQL store: types round-trip, int8 is range-checked, errors say where and never the password. */
import { eq } from 'drizzle-orm';
import { openPgStore, PgOpenError, parseInt8 } from '../../src/store/pg/open';
import { describeTarget, redactUrl, scrub } from '../../src/store/pg/redact';
import * as pgSchema from '../../src/store/pg/schema';
import { type PostgresPeer, startPostgres } from '../support/peers/postgres';

describe('redacting PostgreSQL URLs', () => {
  const url = 'postgres://fyrkant:s3cr%40t@db.example:6543/site';
  it('hides the password and names host, port and database', () => {
    expect(redactUrl(url)).toBe('postgres://fyrkant:***@db.example:6543/site');
    expect(describeTarget(url)).toBe('db.example:6543/site');
    expect(describeTarget('postgres://u@h/')).toBe('h:5432/(no database)');
    expect(scrub(`failed for ${url}: user fyrkant password s3cr@t`, url)).toBe(
      'failed for postgres://fyrkant:***@db.example:6543/site: user fyrkant password ***',
    );
    expect(redactUrl('postgres://u:pw@[bad')).not.toContain('pw');
  });

  it('int8 becomes a number only when a double holds it exactly', () => {
    expect(parseInt8('1796487460418')).toBe(1796487460418);
    expect(parseInt8('-9007199254740991')).toBe(-9007199254740991);
    expect(() => parseInt8('9007199254740993')).toThrow(/does not fit/);
  });
});

describe('openPgStore on a real PostgreSQL', () => {
  let pg: PostgresPeer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('round-trips booleans, JSON, bytea and ms times through the drizzle schema', async () => {
    const store = await openPgStore({ url: pg.url });
    try {
      const { users, phoneMethods, auditLog, ivrScripts, ivrRecordings } = pgSchema;
      await store.db.insert(users).values({ id: 'u1', username: 'anna' });
      await store.db
        .insert(phoneMethods)
        .values({ id: 'm1', userId: 'u1', kind: 'office', country: 'SE', e164: '+4686', isDefault: true });
      const [audit] = await store.db
        .insert(auditLog)
        .values({ actor: 'cli', action: 'user.create', detail: { b: 1, a: [true, null] } })
        .returning();
      await store.db.insert(ivrScripts).values({ id: 's' });
      const wav = Buffer.from([0, 1, 2, 255]);
      await store.db.insert(ivrRecordings).values({
        scriptId: 's',
        promptKey: 'hello',
        language: 'sv-SE',
        wav,
        hash: 'h',
        durationMs: 20,
        uploadedBy: 'cli',
      });
      const [u] = await store.db.select().from(users).where(eq(users.id, 'u1'));
      const [m] = await store.db.select().from(phoneMethods);
      const [r] = await store.db.select().from(ivrRecordings);
      expect(typeof u?.createdAt).toBe('number');
      expect(Math.abs((u?.createdAt ?? 0) - Date.now())).toBeLessThan(600_000);
      expect(m?.isDefault).toBe(true);
      expect(audit?.id).toBe(1);
      expect(audit?.detail).toEqual({ b: 1, a: [true, null] });
      expect(Buffer.compare(r?.wav ?? Buffer.alloc(0), wav)).toBe(0);
      await expect(store.pool.query('SELECT 9007199254740993::bigint AS big')).rejects.toThrow(/does not fit/);
      // The same through drizzle (its node-postgres session brings its own type parsers).
      await store.pool.query(
        "INSERT INTO nodes (id, hostname, pid, started_at, heartbeat_at) VALUES ('big', 'h', 1, 9007199254740993, 1)",
      );
      const wrapped = (await store.db
        .select()
        .from(pgSchema.nodes)
        .catch((e: unknown) => e)) as Error;
      expect(String((wrapped.cause as Error | undefined)?.message)).toMatch(/bigint 9007199254740993 does not fit/);
      await store.pool.query('UPDATE nodes SET started_at = 9007199254740991');
      expect((await store.db.select().from(pgSchema.nodes))[0]?.startedAt).toBe(9007199254740991);
      // The pool is still usable after that (the parser error failed one query, not the process).
      expect((await store.pool.query('SELECT 1::bigint AS one')).rows[0].one).toBe(1);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a wrong password fails naming host, port and database, in English and Swedish, without the password', async () => {
    const bad = pg.url.replace(pg.password, 'Wr0ngPassw0rdXyz');
    const err = (await openPgStore({ url: bad }).catch((e: unknown) => e)) as PgOpenError;
    expect(err).toBeInstanceOf(PgOpenError);
    expect(err.target).toBe(`127.0.0.1:${pg.port}/fyrkant`);
    expect(err.message).toContain(`PostgreSQL 127.0.0.1:${pg.port}/fyrkant: cannot connect`);
    expect(err.message).toMatch(/password authentication failed/);
    expect(err.sv).toContain('kan inte ansluta');
    for (const text of [err.message, err.sv, String(err.stack)]) {
      expect(text).not.toContain('Wr0ngPassw0rdXyz');
      expect(text).not.toContain(pg.password);
    }
  }, 60_000);

  it('a missing database and a non-PostgreSQL URL are named as such', async () => {
    const missing = pg.url.replace(/\/fyrkant$/, '/nosuchdb');
    await expect(openPgStore({ url: missing })).rejects.toThrow(/nosuchdb.*does not exist/);
    await expect(openPgStore({ url: 'mysql://u:pw@h/db' })).rejects.toThrow(
      'not a PostgreSQL URL (mysql://u:***@h/db): write postgres://user:password@host:5432/database',
    );
  }, 60_000);
});
