/** Webhook deliveries: one row per (key, attempt result), retried with backoff, visible to admins. */
import { and, desc, eq } from 'drizzle-orm';
import { newId } from '../ids';
import type { Db } from '../open';
import { type WebhookDeliveryRow, webhookDeliveries } from '../schema';
import { prepared, rowMapper, selectList } from './prepared';

export function enqueueWebhook(
  db: Db,
  input: { apiKeyId: string; attemptId: string | null; url: string; payload: string },
  at = Date.now(),
): WebhookDeliveryRow {
  return db
    .insert(webhookDeliveries)
    .values({ id: newId(), ...input, status: 'pending', tries: 0, nextTryAt: at, createdAt: at })
    .returning()
    .get();
}

// Prepared once per connection: the deliverer looks after every ended attempt (issue 20 hot path).
const DUE = `SELECT ${selectList(webhookDeliveries)} FROM webhook_deliveries
  WHERE status = 'pending' AND next_try_at <= ? ORDER BY next_try_at LIMIT ?`;
const toDelivery = rowMapper<WebhookDeliveryRow>(webhookDeliveries);

export function dueWebhookDeliveries(db: Db, at = Date.now(), limit = 50): WebhookDeliveryRow[] {
  return prepared<[number, number], Record<string, unknown>>(db.$client, DUE).all(at, limit).map(toDelivery);
}

export function recordWebhookTry(
  db: Db,
  id: string,
  result:
    | { ok: true; httpStatus: number; at: number }
    | { ok: false; httpStatus: number | null; error: string; nextTryAt: number | null; at: number },
): void {
  const cur = db
    .select({ tries: webhookDeliveries.tries })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, id))
    .get();
  const tries = (cur?.tries ?? 0) + 1;
  if (result.ok) {
    db.update(webhookDeliveries)
      .set({
        status: 'delivered',
        tries,
        lastHttpStatus: result.httpStatus,
        lastError: null,
        deliveredAt: result.at,
        nextTryAt: null,
      })
      .where(eq(webhookDeliveries.id, id))
      .run();
    return;
  }
  db.update(webhookDeliveries)
    .set({
      status: result.nextTryAt === null ? 'failed' : 'pending',
      tries,
      lastHttpStatus: result.httpStatus,
      lastError: result.error.slice(0, 500),
      nextTryAt: result.nextTryAt,
    })
    .where(eq(webhookDeliveries.id, id))
    .run();
}

export function listWebhookDeliveries(
  db: Db,
  filter: { attemptId?: string; apiKeyId?: string; limit?: number } = {},
): WebhookDeliveryRow[] {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        filter.attemptId ? eq(webhookDeliveries.attemptId, filter.attemptId) : undefined,
        filter.apiKeyId ? eq(webhookDeliveries.apiKeyId, filter.apiKeyId) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(filter.limit ?? 100)
    .all();
}
