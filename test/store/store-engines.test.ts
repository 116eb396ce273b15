/** The engine fixture itself: each engine gives an empty migrated database, and a second connection sees the first's rows. */
import { eq } from 'drizzle-orm';
import { tables } from '../../src/store';
import * as pgSchema from '../../src/store/pg/schema';
import { describeEachEngine, type EngineStore } from '../support/store-engines';

async function userCount(db: EngineStore): Promise<number> {
  if (db.engine === 'sqlite') return db.sqlite.db.select().from(tables.users).all().length;
  return (await db.pg.db.select().from(pgSchema.users)).length;
}

async function addUser(db: EngineStore, id: string): Promise<void> {
  if (db.engine === 'sqlite') db.sqlite.db.insert(tables.users).values({ id, username: id }).run();
  else await db.pg.db.insert(pgSchema.users).values({ id, username: id });
}

async function hasUser(db: EngineStore, id: string): Promise<boolean> {
  if (db.engine === 'sqlite')
    return db.sqlite.db.select().from(tables.users).where(eq(tables.users.id, id)).all().length === 1;
  return (await db.pg.db.select().from(pgSchema.users).where(eq(pgSchema.users.id, id))).length === 1;
}

describeEachEngine('store engine fixture', (ctx) => {
  it('gives an empty, migrated database each time', async () => {
    const a = await ctx.fresh();
    expect(a.engine).toBe(ctx.engine);
    expect(await userCount(a)).toBe(0);
    await addUser(a, 'anna');
    const b = await ctx.fresh();
    expect(await userCount(b)).toBe(0);
  });

  it('a second connection to the same database sees committed rows', async () => {
    const a = await ctx.fresh();
    await addUser(a, 'bo');
    const again = await ctx.reopen(a);
    expect(await hasUser(again, 'bo')).toBe(true);
  });
});
