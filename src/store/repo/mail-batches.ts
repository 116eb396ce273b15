/** Bulk e-mail sends: a batch and one item per user with its own status, so nothing is lost on failure. */
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { newId } from '../ids';
import type { Db } from '../open';
import { type MailBatchItemRow, type MailBatchRow, mailBatches, mailBatchItems } from '../schema';

export function createMailBatch(
  db: Db,
  input: { createdBy: string; items: readonly { userId: string; username: string; email: string | null }[] },
  at = Date.now(),
): MailBatchRow {
  return db.transaction(() => {
    const batch = db
      .insert(mailBatches)
      .values({ id: newId(), createdBy: input.createdBy, createdAt: at })
      .returning()
      .get();
    for (const it of input.items)
      db.insert(mailBatchItems)
        .values({ id: newId(), batchId: batch.id, ...it, status: 'pending', tries: 0, updatedAt: at })
        .run();
    return batch;
  });
}

export function getMailBatch(db: Db, id: string): MailBatchRow | undefined {
  return db.select().from(mailBatches).where(eq(mailBatches.id, id)).get();
}

export function listMailBatches(db: Db, limit = 20): MailBatchRow[] {
  return db.select().from(mailBatches).orderBy(desc(mailBatches.createdAt)).limit(limit).all();
}

export function listMailBatchItems(db: Db, batchId: string, status?: MailBatchItemRow['status']): MailBatchItemRow[] {
  return db
    .select()
    .from(mailBatchItems)
    .where(and(eq(mailBatchItems.batchId, batchId), status ? eq(mailBatchItems.status, status) : undefined))
    .orderBy(asc(mailBatchItems.username))
    .all();
}

/** Batches with pending items (a send interrupted by a stop), oldest first. */
export function batchesWithPendingItems(db: Db): string[] {
  return db
    .selectDistinct({ id: mailBatchItems.batchId })
    .from(mailBatchItems)
    .where(eq(mailBatchItems.status, 'pending'))
    .all()
    .map((r) => r.id);
}

export function finishMailItem(
  db: Db,
  id: string,
  result: { ok: true; linkId: string } | { ok: false; error: string },
  at = Date.now(),
): void {
  const cur = db.select({ tries: mailBatchItems.tries }).from(mailBatchItems).where(eq(mailBatchItems.id, id)).get();
  db.update(mailBatchItems)
    .set(
      result.ok
        ? {
            status: 'sent',
            linkId: result.linkId,
            error: null,
            sentAt: at,
            tries: (cur?.tries ?? 0) + 1,
            updatedAt: at,
          }
        : { status: 'failed', error: result.error.slice(0, 500), tries: (cur?.tries ?? 0) + 1, updatedAt: at },
    )
    .where(eq(mailBatchItems.id, id))
    .run();
}

/** Failed items (all, or the given ones) go back to pending; returns how many. */
export function requeueFailedMailItems(db: Db, batchId: string, itemIds?: readonly string[], at = Date.now()): number {
  return db
    .update(mailBatchItems)
    .set({ status: 'pending', updatedAt: at })
    .where(
      and(
        eq(mailBatchItems.batchId, batchId),
        eq(mailBatchItems.status, 'failed'),
        itemIds ? inArray(mailBatchItems.id, [...itemIds]) : undefined,
      ),
    )
    .run().changes;
}

export function setMailBatchFinished(db: Db, id: string, at: number | null): void {
  db.update(mailBatches).set({ finishedAt: at }).where(eq(mailBatches.id, id)).run();
}
