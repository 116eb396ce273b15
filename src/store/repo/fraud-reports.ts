/** Fraud reports (`0#` on a call), shown to admins. */
import { desc, eq } from 'drizzle-orm';
import { newId } from '../ids';
import type { Db } from '../open';
import { type FraudReportRow, fraudReports } from '../schema';

export function insertFraudReport(
  db: Db,
  input: { attemptId: string | null; userId: string | null; digits: string | null; blockedUntil: number | null },
  at = Date.now(),
): FraudReportRow {
  return db
    .insert(fraudReports)
    .values({ id: newId(), ...input, reportedAt: at })
    .returning()
    .get();
}

export function listFraudReports(db: Db, filter: { userId?: string; limit?: number } = {}): FraudReportRow[] {
  return db
    .select()
    .from(fraudReports)
    .where(filter.userId ? eq(fraudReports.userId, filter.userId) : undefined)
    .orderBy(desc(fraudReports.reportedAt))
    .limit(filter.limit ?? 100)
    .all();
}

export function getFraudReportForAttempt(db: Db, attemptId: string): FraudReportRow | undefined {
  return db.select().from(fraudReports).where(eq(fraudReports.attemptId, attemptId)).get();
}
