/** Web UI sessions in SQLite (issue 18a): rows keyed by the token's hash; see src/web/http/sessions.ts. */
import { and, asc, desc, eq, lt, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../open';
import { type WebSessionRow, webSessions } from '../schema';

export type NewWebSession = typeof webSessions.$inferInsert;

export function insertWebSession(db: Db, row: NewWebSession): void {
  db.insert(webSessions).values(row).run();
}

export function getWebSession(db: Db, tokenHash: string): WebSessionRow | undefined {
  return db.select().from(webSessions).where(eq(webSessions.tokenHash, tokenHash)).get();
}

export function touchWebSession(db: Db, tokenHash: string, at: number): void {
  db.update(webSessions).set({ lastSeenAt: at }).where(eq(webSessions.tokenHash, tokenHash)).run();
}

export function setWebSessionEnrolling(db: Db, tokenHash: string, enrolling: boolean): void {
  db.update(webSessions).set({ enrolling }).where(eq(webSessions.tokenHash, tokenHash)).run();
}

export function deleteWebSession(db: Db, tokenHash: string): void {
  db.delete(webSessions).where(eq(webSessions.tokenHash, tokenHash)).run();
}

/** A user's self-service sessions, newest activity first. */
export function listUserWebSessions(db: Db, userId: string): WebSessionRow[] {
  return db
    .select()
    .from(webSessions)
    .where(and(eq(webSessions.kind, 'self'), eq(webSessions.userId, userId)))
    .orderBy(desc(webSessions.lastSeenAt))
    .all();
}

/** Ends a user's self-service sessions, all or all but one; returns how many ended. */
export function deleteUserWebSessions(db: Db, userId: string, exceptTokenHash?: string): number {
  const mine = and(eq(webSessions.kind, 'self'), eq(webSessions.userId, userId));
  const where = exceptTokenHash ? and(mine, ne(webSessions.tokenHash, exceptTokenHash)) : mine;
  return db.delete(webSessions).where(where).run().changes;
}

/** Ends every admin session signed in with this API key (the key was revoked). */
export function deleteKeyWebSessions(db: Db, keyId: string): number {
  return db
    .delete(webSessions)
    .where(and(eq(webSessions.kind, 'admin'), eq(webSessions.keyId, keyId)))
    .run().changes;
}

/** Drops sessions idle since before `idleBefore` or created before `createdBefore`. */
export function deleteExpiredWebSessions(db: Db, idleBefore: number, createdBefore: number): number {
  return db
    .delete(webSessions)
    .where(or(lt(webSessions.lastSeenAt, idleBefore), lt(webSessions.createdAt, createdBefore)))
    .run().changes;
}

export function countWebSessions(db: Db): number {
  return Number(db.select({ n: sql<number>`count(*)` }).from(webSessions).get()?.n ?? 0);
}

/** Drops the `n` least recently used sessions (a bound against a client creating them in a loop). */
export function deleteOldestWebSessions(db: Db, n: number): void {
  const oldest = db
    .select({ h: webSessions.tokenHash })
    .from(webSessions)
    .orderBy(asc(webSessions.lastSeenAt))
    .limit(n)
    .all();
  for (const o of oldest) deleteWebSession(db, o.h);
}
