/**
 * `fyrkant db migrate --to <postgres-url>`: copies every table of a SQLite store into an EMPTY
 * PostgreSQL store, all or nothing. The target gets the db/pg migrations first; then, in one
 * PostgreSQL transaction, the tables are locked, checked empty, filled parents first, identity
 * sequences moved past the copied ids, and every table verified (row count and an order-independent
 * checksum read back from each engine, migrate-copy-checksum.ts). Any failure rolls everything back.
 *
 * The SQLite side is read inside one read transaction, so a running service cannot tear the copy;
 * still, stop fyrkant first, or writes after the snapshot are not copied.
 */
import type Database from 'better-sqlite3';
import type { PoolClient } from 'pg';
import { type CopyFamily, copyFamily, RowChecksum, renderPgText, renderSqliteValue } from './migrate-copy-checksum';
import { openPgStore } from './open';
import { scrub } from './redact';

export interface Bilingual {
  readonly en: string;
  readonly sv: string;
}

/** A copy refused or failed; nothing was committed to PostgreSQL. */
export class PgCopyError extends Error {
  override readonly name = 'PgCopyError';
  constructor(readonly text: Bilingual) {
    super(text.en);
  }
}

export interface TableCopied {
  readonly table: string;
  readonly rows: number;
  /** The checksum both engines agreed on. */
  readonly checksum: string;
}

export interface CopyProgress extends TableCopied {
  /** 1-based position and the number of tables. */
  readonly index: number;
  readonly total: number;
}

export interface CopyResult {
  /** `host:port/database` of the target (no password). */
  readonly target: string;
  readonly tables: readonly TableCopied[];
}

interface Column {
  readonly name: string;
  readonly family: CopyFamily;
}

interface TablePlan {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly identity: readonly string[];
}

const BATCH_ROWS = 500;
const PG_MAX_PARAMS = 65_535;

export async function copySqliteToPg(
  sqlite: Database.Database,
  url: string,
  onProgress: (p: CopyProgress) => void = () => {},
): Promise<CopyResult> {
  const store = await openPgStore({ url });
  const client = await store.pool.connect();
  sqlite.exec('BEGIN');
  try {
    await client.query('BEGIN');
    const plans = await planTables(sqlite, client, store.target);
    await refuseNonEmpty(client, store.target);
    const copied: TableCopied[] = [];
    for (const [i, plan] of plans.entries()) {
      const sent = await copyTable(sqlite, client, plan);
      await resetIdentities(client, plan);
      const back = await pgChecksum(client, plan);
      if (back.rows !== sent.rows || back.hex !== sent.hex) throw mismatch(plan.name, sent, back);
      const done = { table: plan.name, rows: sent.rows, checksum: sent.hex };
      copied.push(done);
      onProgress({ ...done, index: i + 1, total: plans.length });
    }
    await client.query('COMMIT');
    return { target: store.target, tables: copied };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    if (err instanceof PgCopyError) throw err;
    const why = scrub(err instanceof Error ? err.message : String(err), url);
    throw new PgCopyError({
      en: `copying into PostgreSQL ${store.target} failed: ${why}. Nothing was committed; the SQLite database is unchanged`,
      sv: `kopieringen till PostgreSQL ${store.target} misslyckades: ${why}. Inget sparades; SQLite-databasen är oförändrad`,
    });
  } finally {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    client.release();
    await store.close();
  }
}

/** Tables of the SQLite store, parents before children, with PostgreSQL's type for each column. */
async function planTables(sqlite: Database.Database, client: PoolClient, target: string): Promise<TablePlan[]> {
  const names = (
    sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
  const plans: TablePlan[] = [];
  for (const name of parentsFirst(sqlite, names)) {
    const pg = await client.query<{ name: string; type: string; ident: string }>(
      `SELECT column_name AS name, data_type AS type, is_identity AS ident FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = $1`,
      [name],
    );
    const pgCols = new Map(pg.rows.map((r) => [r.name, r]));
    const sqliteCols = (sqlite.prepare(`PRAGMA table_info(${q(name)})`).all() as { name: string }[]).map((c) => c.name);
    const missing = pg.rows.length === 0 ? [] : sqliteCols.filter((c) => !pgCols.has(c));
    if (pg.rows.length === 0 || missing.length > 0) {
      const what = pg.rows.length === 0 ? `table ${name}` : `${name}.${missing.join(`, ${name}.`)}`;
      throw new PgCopyError({
        en: `${what} is in the SQLite database but not in PostgreSQL ${target}: the SQLite store is newer than db/pg — update fyrkant (both migration sets ship together) and run again`,
        sv: `${what} finns i SQLite-databasen men inte i PostgreSQL ${target}: SQLite-databasen är nyare än db/pg — uppdatera fyrkant (båda migreringarna följer med) och kör igen`,
      });
    }
    plans.push({
      name,
      columns: sqliteCols.map((c) => ({ name: c, family: copyFamily(pgCols.get(c)?.type ?? 'text') })),
      identity: pg.rows.filter((r) => r.ident === 'YES').map((r) => r.name),
    });
  }
  return plans;
}

/** Orders tables so every foreign key's target comes before the table that points at it. */
export function parentsFirst(sqlite: Database.Database, names: readonly string[]): string[] {
  const parents = new Map(
    names.map((n) => [
      n,
      (sqlite.prepare(`PRAGMA foreign_key_list(${q(n)})`).all() as { table: string }[])
        .map((f) => f.table)
        .filter((t) => t !== n),
    ]),
  );
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string, path: readonly string[]) => {
    if (seen.has(n)) return;
    if (path.includes(n)) throw new Error(`foreign keys form a cycle: ${[...path, n].join(' → ')}`);
    for (const p of parents.get(n) ?? []) if (parents.has(p)) visit(p, [...path, n]);
    seen.add(n);
    out.push(n);
  };
  for (const n of names) visit(n, []);
  return out;
}

/** Locks every table of the target and refuses when any holds a row (naming it). */
async function refuseNonEmpty(client: PoolClient, target: string): Promise<void> {
  const tables = await client.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  if (tables.rows.length === 0) return;
  await client.query(`LOCK TABLE ${tables.rows.map((t) => q(t.name)).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  for (const { name } of tables.rows) {
    const r = await client.query<{ has: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${q(name)}) AS has`);
    if (r.rows[0]?.has) {
      throw new PgCopyError({
        en: `PostgreSQL ${target} is not empty: table ${name} has rows. The copy only goes into an empty database — create a new one (createdb) and point --to at it. Nothing was copied`,
        sv: `PostgreSQL ${target} är inte tom: tabellen ${name} har rader. Kopian görs bara till en tom databas — skapa en ny (createdb) och ange den med --to. Inget kopierades`,
      });
    }
  }
}

/** Inserts the table's rows in batches; returns the checksum of what was read from SQLite. */
async function copyTable(sqlite: Database.Database, client: PoolClient, plan: TablePlan): Promise<RowChecksum> {
  const sum = new RowChecksum();
  const cols = plan.columns.map((c) => q(c.name)).join(', ');
  const read = sqlite
    .prepare(`SELECT rowid, ${cols} FROM ${q(plan.name)} WHERE rowid > ? ORDER BY rowid LIMIT ?`)
    .raw(true);
  const perBatch = Math.max(1, Math.min(BATCH_ROWS, Math.floor(PG_MAX_PARAMS / plan.columns.length)));
  let after: number | bigint = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const rows = read.all(after, perBatch) as unknown[][];
    if (rows.length === 0) return sum;
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const row of rows) {
      after = row[0] as number;
      const values = row.slice(1);
      sum.add(values.map((v, i) => renderSqliteValue(v, (plan.columns[i] as Column).family)));
      const start = params.length;
      params.push(...values.map((v, i) => toPg(v, (plan.columns[i] as Column).family)));
      tuples.push(`(${values.map((_, i) => `$${start + i + 1}`).join(', ')})`);
    }
    await client.query(`INSERT INTO ${q(plan.name)} (${cols}) VALUES ${tuples.join(', ')}`, params);
  }
}

function toPg(value: unknown, family: CopyFamily): unknown {
  if (value === null || value === undefined) return null;
  if (family === 'boolean') return Number(value) !== 0;
  if (family === 'bytes') return Buffer.from(value as Uint8Array);
  return typeof value === 'bigint' ? value.toString() : value;
}

/** New rows after the copy must not reuse copied ids: move each identity past the largest. */
async function resetIdentities(client: PoolClient, plan: TablePlan): Promise<void> {
  for (const col of plan.identity) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max(${q(col)}) FROM ${q(plan.name)}), 0) + 1, false)`,
      [q(plan.name), col],
    );
  }
}

/** Reads the table back from PostgreSQL (values as PostgreSQL renders them) into a checksum. */
async function pgChecksum(client: PoolClient, plan: TablePlan): Promise<RowChecksum> {
  const sum = new RowChecksum();
  const cols = plan.columns.map((c) => `${q(c.name)}::text`).join(', ');
  await client.query(`DECLARE fyrkant_verify NO SCROLL CURSOR FOR SELECT ${cols} FROM ${q(plan.name)}`);
  for (;;) {
    const r = await client.query<(string | null)[]>({
      text: 'FETCH FORWARD 2000 FROM fyrkant_verify',
      rowMode: 'array',
    });
    if (r.rows.length === 0) break;
    for (const row of r.rows) sum.add(row.map((v, i) => renderPgText(v, (plan.columns[i] as Column).family)));
  }
  await client.query('CLOSE fyrkant_verify');
  return sum;
}

function mismatch(table: string, sent: RowChecksum, back: RowChecksum): PgCopyError {
  return new PgCopyError({
    en: `verification failed for table ${table}: SQLite ${sent.rows} rows (checksum ${sent.hex}), PostgreSQL ${back.rows} rows (checksum ${back.hex}). Nothing was committed`,
    sv: `kontrollen misslyckades för tabellen ${table}: SQLite ${sent.rows} rader (kontrollsumma ${sent.hex}), PostgreSQL ${back.rows} rader (kontrollsumma ${back.hex}). Inget sparades`,
  });
}

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
