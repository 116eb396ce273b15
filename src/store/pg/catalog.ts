/**
 * The schema as each database reports it (its catalog), normalized so SQLite and PostgreSQL can be
 * compared: tables, columns (type family, nullability, has-default), primary keys, unique and other
 * indexes, foreign keys with ON DELETE. `diffCatalogs` lists every difference; the parity test
 * expects none between db/*.sql on SQLite and db/pg on PostgreSQL.
 */
import type Database from 'better-sqlite3';
import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Pool } from 'pg';
import * as sqliteSchema from '../schema';

export type TypeFamily = 'integer' | 'text' | 'boolean' | 'json' | 'bytes' | 'real' | `other:${string}`;

export interface ColumnCatalog {
  readonly family: TypeFamily;
  readonly notNull: boolean;
  readonly hasDefault: boolean;
}

export interface TableCatalog {
  readonly columns: Readonly<Record<string, ColumnCatalog>>;
  readonly primaryKey: readonly string[];
  /** `name(col, col)`, sorted. */
  readonly uniques: readonly string[];
  /** `name(col, col)` of the other (non-unique) indexes, sorted. */
  readonly indexes: readonly string[];
  /** `(col) -> table(col) on delete cascade`, sorted. */
  readonly foreignKeys: readonly string[];
}

export type Catalog = Readonly<Record<string, TableCatalog>>;

/** Columns SQLite cannot type itself, as src/store/schema.ts declares them (0/1 booleans, JSON text). */
function sqliteRefinedFamilies(): Map<string, TypeFamily> {
  const out = new Map<string, TypeFamily>();
  for (const value of Object.values(sqliteSchema)) {
    if (!value || typeof value !== 'object' || !(Symbol.for('drizzle:IsDrizzleTable') in value)) continue;
    const config = getTableConfig(value as SQLiteTable);
    for (const col of config.columns) {
      if (col.columnType === 'SQLiteBoolean') out.set(`${config.name}.${col.name}`, 'boolean');
      if (col.columnType === 'SQLiteTextJson') out.set(`${config.name}.${col.name}`, 'json');
    }
  }
  return out;
}

function sqliteFamily(declared: string): TypeFamily {
  const t = declared.toLowerCase();
  if (t.includes('int')) return 'integer';
  if (t.includes('char') || t.includes('text') || t.includes('clob')) return 'text';
  if (t.includes('blob') || t === '') return 'bytes';
  if (t.includes('real') || t.includes('floa') || t.includes('doub')) return 'real';
  return `other:${t}`;
}

export function pgFamily(dataType: string): TypeFamily {
  switch (dataType) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return 'integer';
    case 'text':
    case 'character varying':
      return 'text';
    case 'boolean':
      return 'boolean';
    case 'json':
    case 'jsonb':
      return 'json';
    case 'bytea':
      return 'bytes';
    case 'real':
    case 'double precision':
      return 'real';
    default:
      return `other:${dataType}`;
  }
}

const ON_DELETE: Readonly<Record<string, string>> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

function fkText(from: readonly string[], table: string, to: readonly string[], onDelete: string): string {
  return `(${from.join(', ')}) -> ${table}(${to.join(', ')}) on delete ${onDelete.toLowerCase()}`;
}

interface SqliteColumnInfo {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

export function sqliteCatalog(sqlite: Database.Database): Catalog {
  const refined = sqliteRefinedFamilies();
  const tables = sqlite
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_\\_drizzle%' ESCAPE '\\' ORDER BY name",
    )
    .pluck()
    .all() as string[];
  const out: Record<string, TableCatalog> = {};
  for (const table of tables) {
    const info = sqlite.prepare(`PRAGMA table_info("${table}")`).all() as SqliteColumnInfo[];
    const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    // A single INTEGER primary key is the rowid: SQLite generates it, like a PostgreSQL identity.
    const rowid = pk.length === 1 && pk[0]?.type.toLowerCase() === 'integer' ? pk[0].name : undefined;
    const columns: Record<string, ColumnCatalog> = {};
    for (const c of info) {
      columns[c.name] = {
        family: refined.get(`${table}.${c.name}`) ?? sqliteFamily(c.type),
        notNull: c.notnull === 1 || c.pk > 0,
        hasDefault: c.dflt_value !== null || c.name === rowid,
      };
    }
    const uniques: string[] = [];
    const indexes: string[] = [];
    const list = sqlite.prepare(`PRAGMA index_list("${table}")`).all() as {
      name: string;
      unique: number;
      origin: string;
    }[];
    for (const idx of list) {
      if (idx.origin === 'pk') continue;
      const cols = (sqlite.prepare(`PRAGMA index_info("${idx.name}")`).all() as { seqno: number; name: string }[])
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name);
      (idx.unique ? uniques : indexes).push(`${idx.name}(${cols.join(', ')})`);
    }
    const fks = sqlite.prepare(`PRAGMA foreign_key_list("${table}")`).all() as {
      id: number;
      seq: number;
      table: string;
      from: string;
      to: string;
      on_delete: string;
    }[];
    const byId = new Map<number, typeof fks>();
    for (const fk of fks) byId.set(fk.id, [...(byId.get(fk.id) ?? []), fk]);
    const foreignKeys = [...byId.values()].map((parts) => {
      const sorted = parts.sort((a, b) => a.seq - b.seq);
      return fkText(
        sorted.map((p) => p.from),
        sorted[0]?.table ?? '?',
        sorted.map((p) => p.to),
        sorted[0]?.on_delete ?? '?',
      );
    });
    out[table] = {
      columns,
      primaryKey: pk.map((c) => c.name),
      uniques: uniques.sort(),
      indexes: indexes.sort(),
      foreignKeys: foreignKeys.sort(),
    };
  }
  return out;
}

export async function pgCatalog(pool: Pool, schemaName = 'public'): Promise<Catalog> {
  const cols = await pool.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
    is_identity: string;
  }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
       FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schemaName],
  );
  const idx = await pool.query<{ table: string; name: string; unique: boolean; primary: boolean; cols: string[] }>(
    `SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
            array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS cols
       FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_namespace ns ON ns.oid = t.relnamespace WHERE ns.nspname = $1`,
    [schemaName],
  );
  const fks = await pool.query<{ table: string; ref: string; from: string[]; to: string[]; del: string }>(
    `SELECT t.relname AS table, r.relname AS ref, c.confdeltype AS del,
            array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS from,
            array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS to
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
       JOIN pg_namespace ns ON ns.oid = t.relnamespace WHERE c.contype = 'f' AND ns.nspname = $1`,
    [schemaName],
  );
  const tables = new Map<
    string,
    { columns: Record<string, ColumnCatalog>; pk: string[]; u: string[]; i: string[]; f: string[] }
  >();
  const get = (t: string) => {
    let v = tables.get(t);
    if (!v) {
      v = { columns: {}, pk: [], u: [], i: [], f: [] };
      tables.set(t, v);
    }
    return v;
  };
  for (const c of cols.rows) {
    get(c.table_name).columns[c.column_name] = {
      family: pgFamily(c.data_type),
      notNull: c.is_nullable === 'NO',
      hasDefault: c.column_default !== null || c.is_identity === 'YES',
    };
  }
  for (const x of idx.rows) {
    const t = get(x.table);
    if (x.primary) t.pk.push(...x.cols);
    else (x.unique ? t.u : t.i).push(`${x.name}(${x.cols.join(', ')})`);
  }
  for (const f of fks.rows) get(f.table).f.push(fkText(f.from, f.ref, f.to, ON_DELETE[f.del] ?? f.del));
  const out: Record<string, TableCatalog> = {};
  for (const [name, t] of [...tables].sort(([a], [b]) => a.localeCompare(b))) {
    out[name] = {
      columns: t.columns,
      primaryKey: t.pk,
      uniques: t.u.sort(),
      indexes: t.i.sort(),
      foreignKeys: t.f.sort(),
    };
  }
  return out;
}

function diffLists(where: string, what: string, a: readonly string[], b: readonly string[], names: Names): string[] {
  const out: string[] = [];
  for (const x of a) if (!b.includes(x)) out.push(`${where}: ${what} ${x} only in ${names[0]}`);
  for (const x of b) if (!a.includes(x)) out.push(`${where}: ${what} ${x} only in ${names[1]}`);
  return out;
}

type Names = readonly [string, string];

/** Every difference between two catalogs, one line each; empty when they agree. */
export function diffCatalogs(a: Catalog, b: Catalog, names: Names = ['SQLite', 'PostgreSQL']): string[] {
  const out: string[] = [];
  for (const table of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const ta = a[table];
    const tb = b[table];
    if (!ta || !tb) {
      out.push(`${table}: table only in ${ta ? names[0] : names[1]}`);
      continue;
    }
    for (const col of new Set([...Object.keys(ta.columns), ...Object.keys(tb.columns)])) {
      const ca = ta.columns[col];
      const cb = tb.columns[col];
      if (!ca || !cb) {
        out.push(`${table}.${col}: column only in ${ca ? names[0] : names[1]}`);
        continue;
      }
      for (const k of ['family', 'notNull', 'hasDefault'] as const) {
        if (ca[k] !== cb[k])
          out.push(`${table}.${col}: ${k} ${String(ca[k])} in ${names[0]}, ${String(cb[k])} in ${names[1]}`);
      }
    }
    if (ta.primaryKey.join(',') !== tb.primaryKey.join(',')) {
      out.push(
        `${table}: primary key (${ta.primaryKey.join(', ')}) in ${names[0]}, (${tb.primaryKey.join(', ')}) in ${names[1]}`,
      );
    }
    out.push(...diffLists(table, 'unique', ta.uniques, tb.uniques, names));
    out.push(...diffLists(table, 'index', ta.indexes, tb.indexes, names));
    out.push(...diffLists(table, 'foreign key', ta.foreignKeys, tb.foreignKeys, names));
  }
  return out;
}
