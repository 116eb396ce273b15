/**
 * How far each attempt has got, read cheaply: its last trace `seq` and its continuation. The feed of
 * attempts another node runs (issue 19) compares these marks to find what changed since it looked.
 */
import { and, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../open';
import { attempts } from '../schema';

export interface AttemptMark {
  readonly id: string;
  /** The last trace row's seq (0: none yet). */
  readonly seq: number;
  readonly nextAttemptId: string | null;
  readonly outcome: string | null;
}

// Spelt out: drizzle leaves single-table column names unqualified, and inside the subquery a bare
// "id" would be attempt_events.id.
const lastSeq = sql<number>`coalesce((select max(e.seq) from attempt_events e where e.attempt_id = attempts.id), 0)`;

const MARK = { id: attempts.id, seq: lastSeq, nextAttemptId: attempts.nextAttemptId, outcome: attempts.outcome };

/** SQLite allows many more, but a statement this size stays cheap to prepare. */
const CHUNK = 500;

/** Marks of those of `ids` whose call another node owns (not `node`, not unowned yet). */
export function marksOwnedElsewhere(db: Db, ids: readonly string[], node: string): AttemptMark[] {
  const out: AttemptMark[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    out.push(
      ...db
        .select(MARK)
        .from(attempts)
        .where(and(inArray(attempts.id, chunk), isNotNull(attempts.ownerNode), ne(attempts.ownerNode, node)))
        .all(),
    );
  }
  return out;
}

/** The mark of one attempt, whoever owns it (undefined: no such attempt). */
export function attemptMark(db: Db, id: string): AttemptMark | undefined {
  return db.select(MARK).from(attempts).where(eq(attempts.id, id)).get();
}
