/**
 * Trace events of every call, batched per event-loop turn: events are queued as they happen and
 * written in ONE transaction at `setImmediate` (after the I/O of this turn), then published to live
 * listeners — never before the commit. State changes and the end of an attempt write what is queued
 * in their own transaction first (`writeWith`), so an attempt's trace keeps its order and '#' → the
 * committed outcome is one commit.
 *
 * On a crash at most the events of the current turn are lost (not yet committed, not yet seen by
 * anyone). A failing batch is retried event by event so one bad row does not drop the others.
 */
import type { Logger } from 'pino';
import { appendAttemptEvents, type PendingEvent, type Store, traceToEvent, type WrittenEvent } from '../../store';
import type { TraceEvent } from '../../telephony/port';
import type { AttemptBus } from './attempt-bus';

export class TraceBatch {
  private pending: PendingEvent[] = [];
  private scheduled = false;
  /** Batches written so far and the events in them (diagnostics, tests). */
  batches = 0;
  events = 0;

  constructor(
    private readonly store: Store,
    private readonly bus: AttemptBus,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(attemptId: string, event: TraceEvent): void {
    this.pending.push({ attemptId, event: traceToEvent(event) });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes and publishes everything queued. */
  readonly flush = (): void => {
    this.scheduled = false;
    this.publish(this.write());
  };

  /**
   * Runs `work` in one transaction after writing what is queued; publishes the events once it
   * committed. A throw from `work` rolls both back and the events stay queued.
   */
  writeWith<T>(work: () => T): T {
    const taken = this.pending;
    this.pending = [];
    let written: WrittenEvent[] = [];
    try {
      // IMMEDIATE (see appendAttemptEvents): state changes read before they write.
      const result = this.store.sqlite
        .transaction(() => {
          written = appendAttemptEvents(this.store, taken);
          return work();
        })
        .immediate();
      this.publish(written);
      return result;
    } catch (err) {
      this.pending = taken.concat(this.pending);
      if (this.pending.length && !this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
      throw err;
    }
  }

  private write(): WrittenEvent[] {
    const taken = this.pending;
    this.pending = [];
    if (taken.length === 0) return [];
    if (!this.store.sqlite.open) {
      // Shut down while a call still hung up (its last events come after the store closed).
      this.log.warn({ events: taken.length }, 'trace events after the database closed were not recorded');
      return [];
    }
    try {
      return appendAttemptEvents(this.store, taken);
    } catch (err) {
      this.log.error({ err, events: taken.length }, 'could not record a batch of trace events; retrying one by one');
      const out: WrittenEvent[] = [];
      for (const e of taken) {
        try {
          out.push(...appendAttemptEvents(this.store, [e]));
        } catch (err1) {
          this.log.error({ err: err1, attemptId: e.attemptId, kind: e.event.kind }, 'could not record trace event');
        }
      }
      return out;
    }
  }

  private publish(written: readonly WrittenEvent[]): void {
    if (written.length === 0) return;
    this.batches++;
    this.events += written.length;
    for (const w of written)
      this.bus.publish({
        type: 'trace',
        attemptId: w.attemptId,
        seq: w.seq,
        at: w.at,
        kind: w.kind,
        summary: w.summary,
      });
  }
}
