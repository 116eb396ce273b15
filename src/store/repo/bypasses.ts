/** One-time bypasses: an admin lets a user sign in once without a call, for a short time. */
import { and, asc, eq, gt, isNull, lt } from 'drizzle-orm';
import { newId } from '../ids';
import type { Db } from '../open';
import { type BypassRow, bypasses } from '../schema';

export function createBypass(
  db: Db,
  input: { userId: string; createdBy: string; reason: string | null; ttlMs: number },
  at = Date.now(),
): BypassRow {
  return db
    .insert(bypasses)
    .values({
      id: newId(),
      userId: input.userId,
      createdBy: input.createdBy,
      reason: input.reason,
      createdAt: at,
      expiresAt: at + input.ttlMs,
    })
    .returning()
    .get();
}

/** Uses the oldest valid bypass of the user, if any (one transaction, so it is used at most once). */
export function consumeBypass(db: Db, userId: string, at = Date.now()): BypassRow | undefined {
  return db.transaction((tx) => {
    const row = tx
      .select()
      .from(bypasses)
      .where(and(eq(bypasses.userId, userId), isNull(bypasses.usedAt), gt(bypasses.expiresAt, at)))
      .orderBy(asc(bypasses.createdAt))
      .get();
    if (!row) return undefined;
    tx.update(bypasses).set({ usedAt: at }).where(eq(bypasses.id, row.id)).run();
    return { ...row, usedAt: at };
  });
}

export function listBypasses(db: Db, userId: string): BypassRow[] {
  return db.select().from(bypasses).where(eq(bypasses.userId, userId)).orderBy(asc(bypasses.createdAt)).all();
}

export function deleteExpiredBypasses(db: Db, at = Date.now()): number {
  return db
    .delete(bypasses)
    .where(and(lt(bypasses.expiresAt, at), isNull(bypasses.usedAt)))
    .run().changes;
}
