/**
 * The two statements every trace event is written with, prepared once per connection (issue 20).
 * Shared by the attempt repository (state events) and the batch writer (everything else).
 */
import type Database from 'better-sqlite3';
import { redactSipText } from '../../redact';
import type { ATTEMPT_EVENT_KINDS } from '../schema';
import { prepared } from './prepared';

export interface EventInput {
  readonly at: number;
  readonly kind: (typeof ATTEMPT_EVENT_KINDS)[number];
  readonly summary: string;
  readonly raw?: string | null;
  readonly data?: Record<string, unknown> | null;
}

const NEXT_SEQ = 'SELECT coalesce(max(seq), 0) + 1 AS n FROM attempt_events WHERE attempt_id = ?';
const INSERT =
  'INSERT INTO attempt_events (attempt_id, seq, at, kind, summary, raw, data) VALUES (?, ?, ?, ?, ?, ?, ?)';

/** The next `seq` of an attempt's trace (1 for the first event). */
export function nextAttemptEventSeq(sqlite: Database.Database, attemptId: string): number {
  return prepared<[string], { n: number }>(sqlite, NEXT_SEQ).get(attemptId)!.n;
}

/** Inserts one event at `seq` (raw SIP text redacted, `data` as JSON). Inside the caller's transaction. */
export function insertAttemptEventAt(sqlite: Database.Database, attemptId: string, seq: number, e: EventInput): void {
  prepared(sqlite, INSERT).run(
    attemptId,
    seq,
    e.at,
    e.kind,
    e.summary,
    e.raw == null ? null : redactSipText(e.raw),
    e.data == null ? null : JSON.stringify(e.data),
  );
}
