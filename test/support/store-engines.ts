/**
 * One contract suite per store port, run on every engine (issue 19: "the store suite runs on both
 * SQLite and a real PostgreSQL"). `describeEachEngine` runs the suite once per engine; `fresh()`
 * gives an empty, migrated database of that engine — a SQLite file in a temp dir, or a new database
 * on one real PostgreSQL (test/support/peers/postgres.ts) started for the file's suite. Everything
 * opened is closed after each test; the PostgreSQL server is stopped after the suite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store';
import { openPgStore, type PgStore } from '../../src/store/pg/open';
import { type PostgresPeer, startPostgres } from './peers/postgres';

export const STORE_ENGINES = ['sqlite', 'postgres'] as const;
export type StoreEngine = (typeof STORE_ENGINES)[number];

/** An empty database of one engine; the other engine's field is absent. */
export type EngineStore =
  | { readonly engine: 'sqlite'; readonly sqlite: Store; readonly path: string }
  | { readonly engine: 'postgres'; readonly pg: PgStore; readonly url: string };

export interface EngineContext {
  readonly engine: StoreEngine;
  /** A new empty database (migrations applied), closed after the current test. */
  fresh(): Promise<EngineStore>;
  /** Another connection to the database `fresh()` returned (another node of the same site). */
  reopen(db: EngineStore): Promise<EngineStore>;
}

/** Registers beforeAll/afterEach/afterAll for `engine` and returns its context. */
export function engineContext(engine: StoreEngine): EngineContext {
  let pg: PostgresPeer | undefined;
  let n = 0;
  const dirs: string[] = [];
  const closers: (() => unknown)[] = [];
  if (engine === 'postgres') {
    beforeAll(async () => {
      pg = await startPostgres();
    }, 90_000);
    afterAll(async () => {
      await pg?.stop();
    });
  }
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const openSqlite = (path: string): EngineStore => {
    const sqlite = openStore({ path });
    closers.push(() => sqlite.close());
    return { engine: 'sqlite', sqlite, path };
  };
  const openPg = async (url: string): Promise<EngineStore> => {
    const store = await openPgStore({ url });
    closers.push(() => store.close());
    return { engine: 'postgres', pg: store, url };
  };
  return {
    engine,
    async fresh() {
      if (engine === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'fyrkant-engine-'));
        dirs.push(dir);
        return openSqlite(join(dir, 'fyrkant.db'));
      }
      if (!pg) throw new Error('PostgreSQL did not start (see beforeAll)');
      n += 1;
      return openPg(await pg.createDatabase(`t${n}`));
    },
    async reopen(db) {
      return db.engine === 'sqlite' ? openSqlite(db.path) : openPg(db.url);
    },
  };
}

/** Runs `suite` once per engine, titled `${title} (sqlite)` and `${title} (postgres)`. */
export function describeEachEngine(title: string, suite: (ctx: EngineContext) => void): void {
  for (const engine of STORE_ENGINES) {
    describe(`${title} (${engine})`, () => {
      suite(engineContext(engine));
    });
  }
}
