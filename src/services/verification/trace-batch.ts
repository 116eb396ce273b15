/**
 * Trace events and state changes of every call, batched per event-loop turn: they are queued as
 * they happen and written in ONE transaction at `setImmediate` (after the I/O of this turn), then
 * published to live listeners in the order they happened — never before the commit. The end of an
 * attempt writes what is queued in its own transaction first (`writeWith`), so an attempt's trace
 * keeps its order and '#' → the committed outcome is one commit.
 *
 * State changes on the way to the answer (dialling, ringing, answered, in-script, listening) are not
 * decisions: each was one commit of its own, the largest share of the main thread at 60/s (issue 20).
 * Queued here, those of one turn (answered → in-script → listening usually come together) and of all
 * calls commit at once; every state still gets its row update, its `state` event and its live
 * `state` message, in order. Decisions (the attempt itself, its outcome) commit at once elsewhere.
 *
 * On a crash at most what the current turn queued is lost (not yet committed, not yet seen by
 * anyone); start-up recovery ends the attempt as interrupted. A failing batch is retried one by one
 * so one bad row does not drop the others.
 */
import type { Logger } from 'pino';
import type { AttemptTransition } from '../../domain/attempt-state';
import { applyAttemptOps, immediate, type PendingOp, type Store, traceToEvent, type WrittenOp } from '../../store';
import type { TraceEvent } from '../../telephony/port';
import type { AttemptBus } from './attempt-bus';

export class TraceBatch {
  private pending: PendingOp[] = [];
  private scheduled = false;
  /** Batches written so far and the events in them (diagnostics, tests). */
  batches = 0;
  events = 0;

  /**
   * `windowMs` 0 (default): one batch per event-loop turn. More: one batch per window, so under load
   * many turns share a commit (the service uses a few ms; see BATCH_WINDOW_MS in service.ts).
   */
  constructor(
    private readonly store: Store,
    private readonly bus: AttemptBus,
    private readonly log: Logger,
    private readonly options: { readonly windowMs?: number } = {},
  ) {}

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const w = this.options.windowMs ?? 0;
    if (w > 0) setTimeout(this.flush, w);
    else setImmediate(this.flush);
  }

  get size(): number {
    return this.pending.length;
  }

  add(attemptId: string, event: TraceEvent): void {
    this.queue({ attemptId, event: traceToEvent(event) });
  }

  /** Queues a state change; it commits with this turn's batch (a late one the attempt passed is dropped). */
  transition(attemptId: string, transition: AttemptTransition): void {
    this.queue({ attemptId, transition });
  }

  private queue(op: PendingOp): void {
    this.pending.push(op);
    this.schedule();
  }

  /** Writes and publishes everything queued. */
  readonly flush = (): void => {
    this.scheduled = false;
    this.publish(this.write());
  };

  /**
   * Runs `work` in one transaction after writing what is queued; publishes the events once it
   * committed. A throw from `work` rolls both back and the events stay queued. A queued row that
   * cannot be written (another call's, say, whose attempt an admin deleted) does not hold `work`
   * back: the queue is then written one by one and `work` commits on its own.
   *
   * `committed` runs after the commit and before anyone hears of it: a listener woken by the
   * published events reads the committed rows, so what it needs next to them (the one-time app
   * password of an ended attempt) must be in place by then.
   */
  writeWith<T>(work: () => T, committed: (result: T) => void = () => {}): T {
    const taken = this.pending;
    this.pending = [];
    let written: WrittenOp[] = [];
    let queuedFailed = false;
    try {
      // IMMEDIATE (see appendAttemptEvents): state changes read before they write.
      const result = immediate(this.store.sqlite, () => {
        try {
          written = applyAttemptOps(this.store, taken);
        } catch (err) {
          queuedFailed = true;
          throw err;
        }
        return work();
      });
      committed(result);
      this.publish(written);
      return result;
    } catch (err) {
      this.pending = taken.concat(this.pending);
      if (!queuedFailed) {
        if (this.pending.length) this.schedule();
        throw err;
      }
    }
    this.flush();
    const result = immediate(this.store.sqlite, work);
    committed(result);
    return result;
  }

  private write(): WrittenOp[] {
    const taken = this.pending;
    this.pending = [];
    if (taken.length === 0) return [];
    if (!this.store.sqlite.open) {
      // Shut down while a call still hung up (its last events come after the store closed).
      this.log.warn({ events: taken.length }, 'trace events after the database closed were not recorded');
      return [];
    }
    try {
      return applyAttemptOps(this.store, taken);
    } catch (err) {
      this.log.error({ err, events: taken.length }, 'could not record a batch of trace events; retrying one by one');
      const out: WrittenOp[] = [];
      for (const op of taken) {
        try {
          out.push(...applyAttemptOps(this.store, [op]));
        } catch (err1) {
          const what = 'event' in op ? { kind: op.event.kind } : { to: op.transition.to };
          this.log.error({ err: err1, attemptId: op.attemptId, ...what }, 'could not record trace event or state');
        }
      }
      return out;
    }
  }

  private publish(written: readonly WrittenOp[]): void {
    if (written.length === 0) return;
    this.batches++;
    this.events += written.length;
    for (const w of written)
      this.bus.publish(
        w.type === 'state'
          ? { type: 'state', attemptId: w.attemptId, state: w.state, at: w.at }
          : { type: 'trace', attemptId: w.attemptId, seq: w.seq, at: w.at, kind: w.kind, summary: w.summary },
      );
  }
}
