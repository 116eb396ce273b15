/** Enrollment links: single use, expiring. The token is only in the URL; the row keeps its hash. */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, lt } from 'drizzle-orm';
import { newId } from '../ids';
import type { Db } from '../open';
import { type EnrollmentLinkRow, enrollmentLinks } from '../schema';

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function createEnrollmentLink(
  db: Db,
  input: { userId: string; createdBy: string; ttlMs: number },
  at = Date.now(),
): { row: EnrollmentLinkRow; token: string } {
  const token = randomBytes(24).toString('base64url');
  const row = db
    .insert(enrollmentLinks)
    .values({
      id: newId(),
      userId: input.userId,
      tokenHash: hashLinkToken(token),
      createdBy: input.createdBy,
      createdAt: at,
      expiresAt: at + input.ttlMs,
    })
    .returning()
    .get();
  return { row, token };
}

/** A usable (unused, unexpired) link for this token, or undefined. */
export function findUsableEnrollmentLink(db: Db, token: string, at = Date.now()): EnrollmentLinkRow | undefined {
  const row = db
    .select()
    .from(enrollmentLinks)
    .where(eq(enrollmentLinks.tokenHash, hashLinkToken(token)))
    .get();
  if (!row || row.usedAt !== null || row.expiresAt <= at) return undefined;
  return row;
}

/** Marks the link used; false if it was already used (single use, race-free). */
export function useEnrollmentLink(db: Db, id: string, at = Date.now()): boolean {
  return (
    db
      .update(enrollmentLinks)
      .set({ usedAt: at })
      .where(and(eq(enrollmentLinks.id, id), isNull(enrollmentLinks.usedAt)))
      .run().changes > 0
  );
}

/** Deletes links that expired before `at` and were never used. */
export function deleteExpiredEnrollmentLinks(db: Db, at = Date.now()): number {
  return db
    .delete(enrollmentLinks)
    .where(and(lt(enrollmentLinks.expiresAt, at), isNull(enrollmentLinks.usedAt)))
    .run().changes;
}
