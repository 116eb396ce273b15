/**
 * Who asked for an attempt and how attempts chain (retries after busy / no answer / unavailable, and
 * backup phones). Kept apart from the core attempt repository because only the verification
 * service uses it.
 */
import { and, eq, isNotNull, isNull, lte } from 'drizzle-orm';
import type { Db } from '../open';
import { type AttemptRow, attempts } from '../schema';
import { prepared } from './prepared';

export interface AttemptOrigin {
  readonly requestedBy: string | null;
  readonly tryNo: number;
  readonly retryOf: string | null;
}

// Prepared once per connection: every attempt sets its origin, on the API's hot path (issue 20).
const SET_ORIGIN = 'UPDATE attempts SET requested_by = ?, try_no = ?, retry_of = ? WHERE id = ?';
const SET_DECISION = 'UPDATE attempts SET policy_decision_id = ? WHERE id = ?';
const SCHEDULE_RETRY = 'UPDATE attempts SET retry_due_at = ? WHERE id = ?';

export function setAttemptOrigin(db: Db, id: string, origin: AttemptOrigin): void {
  prepared(db.$client, SET_ORIGIN).run(origin.requestedBy, origin.tryNo, origin.retryOf, id);
}

/** The policy decision that allowed the dial, once an attempt that waited in the queue gets it. */
export function setAttemptDecision(db: Db, id: string, decisionId: string): void {
  prepared(db.$client, SET_DECISION).run(decisionId, id);
}

export function scheduleRetry(db: Db, id: string, dueAt: number): void {
  prepared(db.$client, SCHEDULE_RETRY).run(dueAt, id);
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
