/**
 * Reviewing fraud reports (a callee pressed 0# — "I did not ask for this"): an admin confirms the
 * report (the user's block stays, or one is set) or dismisses it as a mistake (the user is unblocked
 * when this report's auto-block is what blocks them). Reviews are audited with the note.
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import { audit, getUser, type Store, updateUser } from '../../store';
import { type FraudReportRow, fraudReports } from '../../store/schema';
import type { Outcome } from '../users/service';

export type FraudVerdict = 'confirmed' | 'dismissed';

export interface FraudReportFilter {
  readonly open?: boolean;
  readonly userId?: string;
  readonly limit?: number;
}

export class FraudReviewService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now,
  ) {}

  list(filter: FraudReportFilter = {}): FraudReportRow[] {
    return this.store.db
      .select()
      .from(fraudReports)
      .where(
        and(
          filter.open ? isNull(fraudReports.reviewedAt) : undefined,
          filter.userId ? eq(fraudReports.userId, filter.userId) : undefined,
        ),
      )
      .orderBy(desc(fraudReports.reportedAt))
      .limit(filter.limit ?? 200)
      .all();
  }

  get(id: string): FraudReportRow | undefined {
    return this.store.db.select().from(fraudReports).where(eq(fraudReports.id, id)).get();
  }

  /**
   * `confirmed`: the report stands; the user stays blocked (`blockDays` sets or extends a block).
   * `dismissed`: a mistake; the user is unblocked if still blocked.
   */
  review(
    id: string,
    input: { verdict: FraudVerdict; note?: string; blockDays?: number },
    actor: string,
  ): Outcome<FraudReportRow> {
    const report = this.get(id);
    if (!report) return { ok: false, error: 'not-found', what: 'fraud report' };
    const now = this.clock();
    const note = input.note?.trim().slice(0, 500) || null;
    const row = this.store.db.transaction(() => {
      const user = report.userId ? getUser(this.store.db, report.userId) : undefined;
      let blockedUntil: number | null | undefined;
      if (user && input.verdict === 'dismissed' && user.blockedUntil !== null) {
        updateUser(this.store.db, user.id, { blockedUntil: null, blockReason: null }, now);
        blockedUntil = null;
      }
      if (user && input.verdict === 'confirmed' && input.blockDays) {
        const until = Math.max(user.blockedUntil ?? 0, now + input.blockDays * 86_400_000);
        updateUser(
          this.store.db,
          user.id,
          { blockedUntil: until, blockReason: note ?? user.blockReason ?? 'fraud report confirmed' },
          now,
        );
        blockedUntil = until;
      }
      const r = this.store.db
        .update(fraudReports)
        .set({ reviewedAt: now, reviewedBy: actor, verdict: input.verdict, note })
        .where(eq(fraudReports.id, id))
        .returning()
        .get();
      audit(this.store.db, {
        actor,
        action: input.verdict === 'confirmed' ? 'fraud.confirm' : 'fraud.dismiss',
        target: report.userId ? `user:${report.userId}` : `fraud-report:${id}`,
        detail: { fraudReportId: id, note, ...(blockedUntil !== undefined ? { blockedUntil } : {}) },
        at: now,
      });
      return r;
    });
    return { ok: true, value: row };
  }
}
