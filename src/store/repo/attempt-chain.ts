/**
 * Who asked for an attempt and how attempts chain (retries after busy / no answer / unavailable, and
 * backup phones). Kept apart from the core attempt repository because only the verification
 * service uses it.
 */
import { and, eq, isNotNull, isNull, lte } from 'drizzle-orm';
import type { Db } from '../open';
import { type AttemptRow, attempts } from '../schema';

export interface AttemptOrigin {
  readonly requestedBy: string | null;
  readonly tryNo: number;
  readonly retryOf: string | null;
}

export function setAttemptOrigin(db: Db, id: string, origin: AttemptOrigin): void {
  db.update(attempts)
    .set({ requestedBy: origin.requestedBy, tryNo: origin.tryNo, retryOf: origin.retryOf })
    .where(eq(attempts.id, id))
    .run();
}

/** The policy decision that allowed the dial, once an attempt that waited in the queue gets it. */
export function setAttemptDecision(db: Db, id: string, decisionId: string): void {
  db.update(attempts).set({ policyDecisionId: decisionId }).where(eq(attempts.id, id)).run();
}

export function scheduleRetry(db: Db, id: string, dueAt: number): void {
  db.update(attempts).set({ retryDueAt: dueAt }).where(eq(attempts.id, id)).run();
}

/** Ended attempts whose retry is due and not yet placed. */
export function dueRetries(db: Db, at = Date.now()): AttemptRow[] {
  return db
    .select()
    .from(attempts)
    .where(and(isNotNull(attempts.retryDueAt), lte(attempts.retryDueAt, at), isNull(attempts.nextAttemptId)))
    .orderBy(attempts.retryDueAt)
    .all();
}

/** Claims a due retry (false if another run already did), linking it to the new attempt. */
export function claimRetry(db: Db, id: string, nextAttemptId: string): boolean {
  return (
    db
      .update(attempts)
      .set({ retryDueAt: null, nextAttemptId })
      .where(and(eq(attempts.id, id), isNull(attempts.nextAttemptId), isNotNull(attempts.retryDueAt)))
      .run().changes > 0
  );
}

/** The id of the latest attempt of the chain `id` belongs to (following retries and backup calls forward). */
export function chainTailId(db: Db, id: string): string {
  let cur = id;
  for (let i = 0; i < 50; i++) {
    const row = db.select({ next: attempts.nextAttemptId }).from(attempts).where(eq(attempts.id, cur)).get();
    if (!row?.next) break;
    cur = row.next;
  }
  return cur;
}

/** Drops pending retries of a chain, e.g. when a later call was approved or the user was blocked. */
export function cancelRetry(db: Db, id: string): void {
  db.update(attempts).set({ retryDueAt: null }).where(eq(attempts.id, id)).run();
}
