/** The audit log: every admin and security-relevant action, append-only. */
import { and, desc, eq, gte, type SQL } from 'drizzle-orm';
import type { Db } from '../open';
import { type AuditRow, auditLog } from '../schema';

export interface AuditEntry {
  /** `apikey:<id>`, `user:<id>`, `cli`, `system`. */
  readonly actor: string;
  readonly action: string;
  readonly target?: string | null;
  readonly detail?: Record<string, unknown> | null;
  readonly at?: number;
}

export function audit(db: Db, entry: AuditEntry): AuditRow {
  return db
    .insert(auditLog)
    .values({
      at: entry.at ?? Date.now(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      detail: entry.detail ?? null,
    })
    .returning()
    .get();
}

export function listAudit(
  db: Db,
  filter: { target?: string; action?: string; since?: number; limit?: number } = {},
): AuditRow[] {
  const conds: SQL[] = [];
  if (filter.target) conds.push(eq(auditLog.target, filter.target));
  if (filter.action) conds.push(eq(auditLog.action, filter.action));
  if (filter.since !== undefined) conds.push(gte(auditLog.at, filter.since));
  return db
    .select()
    .from(auditLog)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(filter.limit ?? 200)
    .all();
}
