/**
 * Appending many trace events in ONE transaction (issue 20: cheap persistence on the hot path).
 *
 * A call produces ~30 trace events; written one transaction each (drizzle building and SQLite
 * preparing the same statements every time), they were the largest share of the service's CPU under
 * API load. Here the statements are prepared once per connection, the next `seq` is read once per
 * attempt per batch, and the whole batch commits at once. Same rows as `appendAttemptEvent`: raw SIP
 * text redacted, `data` as JSON, `(attempt_id, seq)` dense from 1.
 */
import type { AttemptState, AttemptTransition } from '../../domain/attempt-state';
import { InvalidTransitionError } from '../errors';
import type { Store } from '../open';
import { type EventInput, insertAttemptEventAt, nextAttemptEventSeq } from './attempt-event-sql';
import { transitionAttempt } from './attempts';
import { immediate } from './prepared';

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

/**
 * Writes `events` in order, in one transaction (or inside the caller's, as a savepoint). Events of
 * one attempt keep their order; their seq continues after what is stored.
 */
export function appendAttemptEvents(store: Store, events: readonly PendingEvent[]): WrittenEvent[] {
  if (events.length === 0) return [];
  const sqlite = store.sqlite;
  const write = (): WrittenEvent[] => {
    const next = new Map<string, number>();
    const out: WrittenEvent[] = [];
    for (const { attemptId, event: e } of events) {
      const seq = next.get(attemptId) ?? nextAttemptEventSeq(sqlite, attemptId);
      next.set(attemptId, seq + 1);
      insertAttemptEventAt(sqlite, attemptId, seq, e);
      out.push({ attemptId, seq, at: e.at, kind: e.kind, summary: e.summary });
    }
    return out;
  };
  // Inside the caller's transaction: part of it (a failure throws and rolls the caller back). Alone:
  // IMMEDIATE, taking the write lock before the first read (see `immediate`; bench:app --writer lost
  // trace events and outcomes to SQLITE_BUSY with deferred transactions).
  return sqlite.inTransaction ? write() : immediate(sqlite, write);
}

/** A state change queued with the trace events of the same turn (issue 20: fewer commits per call). */
export interface PendingTransition {
  readonly attemptId: string;
  readonly transition: AttemptTransition;
}

export type PendingOp = PendingEvent | PendingTransition;

/** What a batch stored, in order: trace events and state changes (both told to live listeners). */
export type WrittenOp =
  | ({ readonly type: 'trace' } & WrittenEvent)
  | { readonly type: 'state'; readonly attemptId: string; readonly state: AttemptState; readonly at: number };

/**
 * Writes trace events and state changes in the order given, in one transaction (or inside the
 * caller's). A state change the attempt has already passed (a late 180 after the answer) is left out,
 * as `transitionAttempt` refuses it; any other failure rolls the whole batch back and throws.
 */
export function applyAttemptOps(store: Store, ops: readonly PendingOp[]): WrittenOp[] {
  if (ops.length === 0) return [];
  const sqlite = store.sqlite;
  const write = (): WrittenOp[] => {
    const next = new Map<string, number>();
    const out: WrittenOp[] = [];
    for (const op of ops) {
      if ('event' in op) {
        const e = op.event;
        const seq = next.get(op.attemptId) ?? nextAttemptEventSeq(sqlite, op.attemptId);
        next.set(op.attemptId, seq + 1);
        insertAttemptEventAt(sqlite, op.attemptId, seq, e);
        out.push({ type: 'trace', attemptId: op.attemptId, seq, at: e.at, kind: e.kind, summary: e.summary });
        continue;
      }
      // The state event takes the next seq itself.
      next.delete(op.attemptId);
      try {
        const a = transitionAttempt(store.db, op.attemptId, op.transition);
        out.push({ type: 'state', attemptId: a.id, state: a.state, at: a.updatedAt });
      } catch (err) {
        if (!(err instanceof InvalidTransitionError)) throw err;
      }
    }
    return out;
  };
  return sqlite.inTransaction ? write() : immediate(sqlite, write);
}
