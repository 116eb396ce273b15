/** Database access for the EAM door: sign-in requests and users' Entra identities. */
import { eq, sql } from 'drizzle-orm';
import { newId } from '../../store/ids';
import type { Db } from '../../store/open';
import { type EamRequestRow, eamRequests } from '../../store/schema';

export { userByObjectId, userByUpn } from '../../store/repo/entra-identities';

export type NewEamRequest = Omit<
  typeof eamRequests.$inferInsert,
  'id' | 'status' | 'calls' | 'error' | 'errorDescription' | 'finishedAt' | 'answeredAt'
>;

/** Inserts the request; `undefined` when its nonce or state was seen before (a replay). */
export function insertEamRequest(db: Db, r: NewEamRequest): EamRequestRow | undefined {
  try {
    return db
      .insert(eamRequests)
      .values({ ...r, id: newId() })
      .returning()
      .get();
  } catch (err) {
    // No `instanceof Error`: better-sqlite3's SqliteError may come from another realm (jest's VM).
    const message = (err as { message?: unknown } | null)?.message;
    if (typeof message === 'string' && /UNIQUE constraint failed: eam_requests\.(client_id|nonce|state)/.test(message))
      return undefined;
    throw err;
  }
}

export function getEamRequest(db: Db, id: string): EamRequestRow | undefined {
  return db.select().from(eamRequests).where(eq(eamRequests.id, id)).get();
}

export function updateEamRequest(db: Db, id: string, patch: Partial<EamRequestRow>): EamRequestRow | undefined {
  return db.update(eamRequests).set(patch).where(eq(eamRequests.id, id)).returning().get();
}

/** Ends a request still calling; false if something else ended it first. */
export function finishEamRequest(
  db: Db,
  id: string,
  result: { status: 'approved' | 'denied'; error?: string; errorDescription?: string },
  at: number,
): boolean {
  return (
    db
      .update(eamRequests)
      .set({
        status: result.status,
        error: result.error ?? null,
        errorDescription: result.errorDescription ?? null,
        finishedAt: at,
      })
      .where(sql`${eamRequests.id} = ${id} AND ${eamRequests.status} = 'calling'`)
      .run().changes > 0
  );
}

/** Marks the response as sent (once): false if it already was. */
export function markAnswered(db: Db, id: string, at: number): boolean {
  return (
    db
      .update(eamRequests)
      .set({ status: 'answered', answeredAt: at })
      .where(sql`${eamRequests.id} = ${id} AND ${eamRequests.status} IN ('approved', 'denied')`)
      .run().changes > 0
  );
}

export function listRecentEamRequests(db: Db, limit = 50): EamRequestRow[] {
  return db.select().from(eamRequests).orderBy(sql`${eamRequests.createdAt} DESC`).limit(limit).all();
}

export function pendingEamRequests(db: Db): EamRequestRow[] {
  return db.select().from(eamRequests).where(eq(eamRequests.status, 'calling')).all();
}
