/**
 * Placing a due retry exactly once across nodes (issue 19): the retry is claimed BEFORE its call is
 * placed (attempt-chain.ts's conditional `claimRetry` with a placeholder), then linked to the new
 * attempt — or handed back when nothing was placed (a draining node). Two nodes that both found the
 * retry due can then never both dial it.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../open';
import { attempts } from '../schema';

/** What `nextAttemptId` holds between the claim and the link (never a real attempt id). */
export const RETRY_PLACING = 'placing';

/** Links a claimed retry to the attempt that was placed for it. */
export function linkRetry(db: Db, id: string, nextAttemptId: string): void {
  db.update(attempts)
    .set({ nextAttemptId })
    .where(and(eq(attempts.id, id), eq(attempts.nextAttemptId, RETRY_PLACING)))
    .run();
}

/** Nothing was placed: the retry is due again as before (another node, or a later run, places it). */
export function unclaimRetry(db: Db, id: string, dueAt: number): void {
  db.update(attempts)
    .set({ nextAttemptId: null, retryDueAt: dueAt })
    .where(and(eq(attempts.id, id), eq(attempts.nextAttemptId, RETRY_PLACING)))
    .run();
}
