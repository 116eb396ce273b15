/**
 * Appending many trace events in ONE transaction (issue 20: cheap persistence on the hot path).
 *
 * A call produces ~30 trace events; written one transaction each (drizzle building and SQLite
 * preparing the same statements every time), they were the largest share of the service's CPU under
 * API load. Here the statements are prepared once per connection, the next `seq` is read once per
 * attempt per batch, and the whole batch commits at once. Same rows as `appendAttemptEvent`: raw SIP
 * text redacted, `data` as JSON, `(attempt_id, seq)` dense from 1.
 */
import type Database from 'better-sqlite3';
import { redactSipText } from '../../redact';
import type { Store } from '../open';
import type { EventInput } from './attempts';

export interface PendingEvent {
  readonly attemptId: string;
  readonly event: EventInput;
}

/** A stored event of a batch (what live listeners are told). */
export interface WrittenEvent {
  readonly attemptId: string;
  readonly seq: number;
  readonly at: number;
  readonly kind: EventInput['kind'];
  readonly summary: string;
}

interface Statements {
  readonly nextSeq: Database.Statement<[string], { n: number }>;
  readonly insert: Database.Statement<[string, number, number, string, string, string | null, string | null]>;
}

const prepared = new WeakMap<Database.Database, Statements>();

function statements(sqlite: Database.Database): Statements {
  let s = prepared.get(sqlite);
  if (!s) {
    s = {
      nextSeq: sqlite.prepare('SELECT coalesce(max(seq), 0) + 1 AS n FROM attempt_events WHERE attempt_id = ?'),
      insert: sqlite.prepare(
        'INSERT INTO attempt_events (attempt_id, seq, at, kind, summary, raw, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
    };
    prepared.set(sqlite, s);
  }
  return s;
}

/**
 * Writes `events` in order, in one transaction (or inside the caller's, as a savepoint). Events of
 * one attempt keep their order; their seq continues after what is stored.
 */
export function appendAttemptEvents(store: Store, events: readonly PendingEvent[]): WrittenEvent[] {
  if (events.length === 0) return [];
  const s = statements(store.sqlite);
  return store.sqlite
    .transaction(() => {
      const next = new Map<string, number>();
      const out: WrittenEvent[] = [];
      for (const { attemptId, event: e } of events) {
        let seq = next.get(attemptId);
        if (seq === undefined) seq = s.nextSeq.get(attemptId)!.n;
        next.set(attemptId, seq + 1);
        s.insert.run(
          attemptId,
          seq,
          e.at,
          e.kind,
          e.summary,
          e.raw == null ? null : redactSipText(e.raw),
          e.data == null ? null : JSON.stringify(e.data),
        );
        out.push({ attemptId, seq, at: e.at, kind: e.kind, summary: e.summary });
      }
      return out;
      // IMMEDIATE: take the write lock before the first read. A deferred transaction that read first
      // cannot upgrade once another connection (the CLI) committed meanwhile: SQLite then fails at once
      // with SQLITE_BUSY, without waiting (bench:app --writer lost trace events and outcomes that way).
      // Inside a caller's transaction this is a savepoint and the caller's mode applies.
    })
    .immediate();
}
