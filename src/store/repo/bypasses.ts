/** One-time bypasses: an admin lets a user sign in once without a call, for a short time. */
import { and, asc, eq, isNull, lt } from 'drizzle-orm';
import { newId } from '../ids';
import type { Db } from '../open';
import { type BypassRow, bypasses } from '../schema';
import { prepared, selectList } from './prepared';

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
// Prepared once per connection: every sign-in asks for a bypass first (issue 20 hot path).
const OLDEST_VALID = `SELECT ${selectList(bypasses)} FROM bypasses
  WHERE user_id = ? AND used_at IS NULL AND expires_at > ? ORDER BY created_at LIMIT 1`;
const USE = 'UPDATE bypasses SET used_at = ? WHERE id = ? AND used_at IS NULL';

export function consumeBypass(db: Db, userId: string, at = Date.now()): BypassRow | undefined {
  // No transaction needed (and none taken on the usual miss): the update only uses a bypass that is
  // still unused, so of two concurrent sign-ins at most one gets it; the other looks again.
  for (;;) {
    const row = prepared<[string, number], BypassRow>(db.$client, OLDEST_VALID).get(userId, at);
    if (!row) return undefined;
    if (prepared(db.$client, USE).run(at, row.id).changes === 1) return { ...row, usedAt: at };
  }
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
