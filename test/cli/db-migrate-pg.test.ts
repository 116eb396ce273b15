/**
 * `fyrkant db migrate --to <postgres-url>` against a real PostgreSQL, from a SQLite store filled by
 * the real services (enrollment with an app password, sign-ins, audit, attempt events, a recording).
 */
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { addPhoneMethod, audit, createUser, putRecording } from '../../src/store';
import { openPgStore } from '../../src/store/pg/open';
import { runCli } from '../support/cli';
import { afterPrompt, press } from '../support/fake-telephony';
import { type PostgresPeer, startPostgres } from '../support/peers/postgres';
import { createHarness, type Harness } from '../support/service-harness';

// Each run spawns the CLI (a fresh Node process); on a busy 2-core machine that takes seconds.
jest.setTimeout(120_000);

let pg: PostgresPeer;
let h: Harness;
let dbPath: string;

beforeAll(async () => {
  pg = await startPostgres({ database: 'first' });
  h = createHarness();
  dbPath = h.dbPath;
  const db = h.store.db;
  for (let i = 0; i < 3; i++) {
    const user = createUser(db, { username: `user${i}`, displayName: `Användare ${i}` });
    const method = addPhoneMethod(db, { userId: user.id, kind: 'office', country: 'SE', e164: `+4681234567${i}` });
    h.backend.enqueue({ steps: [press('#', afterPrompt('greeting'), 10)] });
    const r = h.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    if (r.status !== 'queued') throw new Error(`enrollment not queued: ${r.status}`);
    await h.ended(r.attempt.id);
    h.backend.enqueue({ steps: [] });
    // One sign-in on the default phone, the others on a chosen one: attempts.method_chosen both ways.
    const chosen = i === 0 ? {} : { methodId: method.id };
    const s = h.service.start({ userId: user.id, ...chosen, purpose: 'sign-in', requestedBy: 'cli' });
    if (s.status !== 'queued') throw new Error(`sign-in not queued: ${s.status}`);
    await h.ended(s.attempt.id);
  }
  audit(db, { actor: 'cli', action: 'test.note', target: 'x', detail: { å: 'ä', n: 1, nested: { b: [1, 2] } } });
  putRecording(db, {
    scriptId: 'pin-verify',
    promptKey: 'greeting',
    language: 'sv-SE',
    wav: Buffer.from([0, 1, 2, 255, 254, 0]),
    durationMs: 1200,
    originalName: 'hej.wav',
    uploadedBy: 'cli',
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await pg?.stop();
});

const env = (extra: Record<string, string> = {}) => ({ FYRKANT_DATABASE__PATH: dbPath, LANG: 'C', ...extra });

function sqliteCounts(): Record<string, number> {
  const s = new Database(dbPath, { readonly: true });
  try {
    const names = (
      s
        .prepare(
          "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations'",
        )
        .all() as { name: string }[]
    ).map((r) => r.name);
    return Object.fromEntries(
      names.map((n) => [n, (s.prepare(`SELECT count(*) AS n FROM "${n}"`).get() as { n: number }).n]),
    );
  } finally {
    s.close();
  }
}

async function pgCounts(url: string, tables: string[]): Promise<Record<string, number>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = Number((await c.query(`SELECT count(*) AS n FROM "${t}"`)).rows[0].n);
    return out;
  } finally {
    await c.end();
  }
}

describe('fyrkant db migrate --to <postgres-url>', () => {
  it('copies every table with the URL from the environment, reports each table, and verifies', async () => {
    const before = sqliteCounts();
    // Not vacuous: the services wrote the rows that matter.
    for (const t of ['users', 'phone_methods', 'app_passwords', 'audit_log', 'attempts', 'attempt_events'])
      expect(before[t]).toBeGreaterThan(0);

    const r = await runCli(['db', 'migrate', '--to'], { env: env({ DATABASE_URL: pg.url }) });
    expect(r.stderr).not.toContain(pg.password);
    expect(r.stdout).not.toContain(pg.password);
    expect(r.code).toBe(0);
    for (const t of Object.keys(before))
      expect(r.stderr).toMatch(new RegExp(`\\] ${t}: ${before[t]} row\\(s\\) copied`));
    expect(r.stdout).toMatch(/counts and checksums match/);

    expect(await pgCounts(pg.url, Object.keys(before))).toEqual(before);

    // Values arrive typed: booleans, JSON as written, bytes, ms times; new ids do not reuse copied ones.
    const s = new Database(dbPath, { readonly: true });
    const store = await openPgStore({ url: pg.url });
    try {
      const q = async (sql: string) => (await store.pool.query(sql)).rows;
      const defaults = 'FROM phone_methods WHERE is_default AND verified_at IS NOT NULL';
      const pgDefaults = (await q(`SELECT count(*)::int AS n ${defaults}`))[0].n;
      expect(pgDefaults).toBeGreaterThan(0);
      expect(pgDefaults).toBe(
        (s.prepare(`SELECT count(*) AS n ${defaults.replace('is_default', 'is_default = 1')}`).get() as { n: number })
          .n,
      );
      // The chosen phone travels: true/false per attempt, as SQLite's 1/0 said.
      const chosen = 'SELECT id, method_chosen AS c FROM attempts';
      const pgChosen = Object.fromEntries((await q(chosen)).map((x) => [x.id, x.c]));
      expect(Object.values(pgChosen)).toEqual(expect.arrayContaining([true, false]));
      const sqliteChosen = (s.prepare(chosen).all() as { id: string; c: number }[]).map((x) => [x.id, x.c === 1]);
      expect(pgChosen).toEqual(Object.fromEntries(sqliteChosen));
      const hashes = (await q('SELECT hash FROM app_passwords ORDER BY id')).map((x) => x.hash);
      expect(hashes).toEqual(
        (s.prepare('SELECT hash FROM app_passwords ORDER BY id').all() as { hash: string }[]).map((x) => x.hash),
      );
      const note = (await q("SELECT id, detail::text AS d FROM audit_log WHERE action = 'test.note'"))[0];
      const sqliteNote = s.prepare("SELECT id, detail AS d FROM audit_log WHERE action = 'test.note'").get();
      expect({ id: Number(note.id), d: note.d }).toEqual(sqliteNote);
      const wav = (await q('SELECT wav FROM ivr_recordings'))[0].wav as Buffer;
      expect([...wav]).toEqual([0, 1, 2, 255, 254, 0]);
      const maxAudit = Number((await q('SELECT max(id) AS m FROM audit_log'))[0].m);
      const next = await q("INSERT INTO audit_log (actor, action) VALUES ('cli', 'after.copy') RETURNING id");
      expect(Number(next[0].id)).toBe(maxAudit + 1);
      await q("DELETE FROM audit_log WHERE action = 'after.copy'");
    } finally {
      s.close();
      await store.close();
    }
  });

  it('refuses a non-empty PostgreSQL, naming the table, and changes nothing (Swedish with LANG=sv)', async () => {
    const before = await pgCounts(pg.url, ['users', 'audit_log']);
    const r = await runCli(['db', 'migrate', '--to', pg.url], { env: env({ LANG: 'sv_SE.UTF-8' }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PostgreSQL 127\.0\.0\.1:\d+\/first är inte tom: tabellen \w+ har rader/);
    expect(r.stderr).not.toContain(pg.password);
    expect(await pgCounts(pg.url, ['users', 'audit_log'])).toEqual(before);
  });

  it('is all or nothing: a failure in a late table leaves every table empty', async () => {
    const url = await pg.createDatabase('second');
    const pre = await openPgStore({ url });
    // A trigger that fails the copy of webhook_deliveries, one of the last tables (after users, attempts, …).
    await pre.pool.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$`);
    await pre.pool.query(
      'CREATE TRIGGER refuse BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION refuse()',
    );
    await pre.close();
    // webhook_deliveries only fails if it has rows; give the SQLite one (its api key first).
    const s = new Database(dbPath);
    s.prepare(
      "INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at) VALUES ('key1', 'n', 'pre1', 'h', '[\"admin\"]', 1)",
    ).run();
    s.prepare(
      "INSERT INTO webhook_deliveries (id, api_key_id, url, payload, created_at) VALUES ('w1', 'key1', 'https://x.test/', '{}', 1)",
    ).run();
    s.close();

    const r = await runCli(['db', 'migrate', '--to', url], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /copying into PostgreSQL 127\.0\.0\.1:\d+\/second failed: .*refused by test trigger.*Nothing was committed/,
    );
    expect(r.stderr).toMatch(/\] users: 3 row\(s\) copied/); // earlier tables were copied, then rolled back
    const tables = Object.keys(sqliteCounts());
    const after = await pgCounts(url, tables);
    expect(Object.values(after).every((n) => n === 0)).toBe(true);
  });
});
