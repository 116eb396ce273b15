/**
 * db/pg is generated from src/store/pg/schema.ts: the newest snapshot in db/pg/meta must be what the
 * schema gives now, or a change was made without `npm run db:generate:pg` (and would never reach a
 * database). drizzle-kit's own API computes the statements a new migration would hold; none expected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DrizzleSnapshotJSON, generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { PG_MIGRATIONS_DIR } from '../../src/store/pg/open';
import * as pgSchema from '../../src/store/pg/schema';

function latestSnapshot(): DrizzleSnapshotJSON {
  const journal = JSON.parse(readFileSync(join(PG_MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number }[];
  };
  const last = Math.max(...journal.entries.map((e) => e.idx));
  const file = join(PG_MIGRATIONS_DIR, 'meta', `${String(last).padStart(4, '0')}_snapshot.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as DrizzleSnapshotJSON;
}

describe('db/pg is up to date with src/store/pg/schema.ts', () => {
  it('generating now would produce no statements', async () => {
    const prev = latestSnapshot();
    const cur = generateDrizzleJson(pgSchema, prev.id);
    expect(await generateMigration(prev, cur)).toEqual([]);
  });

  it('would produce one for a schema with an extra column (the check can fail)', async () => {
    const prev = latestSnapshot();
    const cur = generateDrizzleJson(pgSchema, prev.id);
    const tables = cur.tables as Record<string, { name: string; columns: Record<string, unknown> }>;
    const users = Object.values(tables).find((t) => t.name === 'users');
    if (!users) throw new Error('no users table in the snapshot');
    users.columns.nickname = { name: 'nickname', type: 'text', primaryKey: false, notNull: false };
    expect(await generateMigration(prev, cur)).toEqual(['ALTER TABLE "users" ADD COLUMN "nickname" text;']);
  });
});
