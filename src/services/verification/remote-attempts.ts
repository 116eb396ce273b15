/**
 * Live updates of attempts that another node runs (issue 19). Behind a load balancer a browser's
 * event stream, the web waiting page or an integrator's SSE may land on a node that does not run
 * the call: only the owner's publishers see its changes. The database has them all, so for every
 * attempt with a listener here and an owner elsewhere this feed looks every `pollMs` for trace rows
 * it has not seen and rings them on the bus, in order, as the owner published them: `trace` for
 * every row, `state` for every state row (with the outcome once ended), `continued` when a retry or
 * backup call follows.
 *
 * The baseline is read when the attempt gets its first listener — in the same event-loop turn as
 * that listener's own first read — so nothing between the two is missed or rung twice. With
 * nobody listening to a foreign attempt it reads nothing. (On PostgreSQL, LISTEN/NOTIFY will ring
 * instead of the timer; what is rung stays the same.)
 */
import type { Logger } from 'pino';
import { attemptMark, listAttemptEvents, marksOwnedElsewhere, type Store } from '../../store';
import type { AttemptEventRow } from '../../store/schema';
import type { AttemptBus, AttemptUpdate, AttemptWatcher } from './attempt-bus';

export interface RemoteFeedTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface RemoteFeedOptions {
  /** This node: its own attempts are published by its own services. */
  readonly nodeId: string;
  readonly pollMs: number;
  readonly timers?: RemoteFeedTimers;
}

interface Seen {
  seq: number;
  next: string | null;
}

const realTimers: RemoteFeedTimers = {
  setInterval: (fn, ms) => {
    const t = setInterval(fn, ms);
    t.unref();
    return t;
  },
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export class RemoteAttemptFeed implements AttemptWatcher {
  private readonly seen = new Map<string, Seen>();
  private timer: unknown;
  /** Polls that found something / updates rung (diagnostics, tests). */
  rung = 0;

  constructor(
    private readonly store: Store,
    private readonly bus: AttemptBus,
    private readonly log: Logger,
    private readonly o: RemoteFeedOptions,
  ) {}

  start(): void {
    this.bus.setWatcher(this);
    this.timer ??= (this.o.timers ?? realTimers).setInterval(() => this.poll(), this.o.pollMs);
  }

  stop(): void {
    if (this.timer !== undefined) (this.o.timers ?? realTimers).clearInterval(this.timer);
    this.timer = undefined;
  }

  watch(attemptId: string): void {
    const m = attemptMark(this.store.db, attemptId);
    if (m) this.seen.set(attemptId, { seq: m.seq, next: m.nextAttemptId });
  }

  unwatch(attemptId: string): void {
    this.seen.delete(attemptId);
  }

  /** One look at the database (the timer calls it; exported for tests). */
  poll(): void {
    if (this.seen.size === 0) return;
    try {
      for (const m of marksOwnedElsewhere(this.store.db, [...this.seen.keys()], this.o.nodeId)) {
        const s = this.seen.get(m.id);
        if (!s) continue;
        if (m.seq > s.seq) {
          for (const e of listAttemptEvents(this.store.db, m.id, { afterSeq: s.seq })) this.ringRow(e, m.outcome);
          s.seq = m.seq;
        }
        if (m.nextAttemptId && m.nextAttemptId !== s.next) {
          s.next = m.nextAttemptId;
          this.ring({ type: 'continued', attemptId: m.id, nextAttemptId: m.nextAttemptId, at: Date.now() });
        }
      }
    } catch (err) {
      // A busy database or a closed store at shutdown: the next poll tries again.
      this.log.warn({ err }, 'could not read the attempts other nodes run; trying again');
    }
  }

  private ringRow(e: AttemptEventRow, outcome: string | null): void {
    const base = { attemptId: e.attemptId, at: e.at };
    this.ring({ type: 'trace', ...base, seq: e.seq, kind: e.kind, summary: e.summary });
    const to = e.kind === 'state' ? (e.data as { to?: unknown } | null)?.to : undefined;
    if (typeof to !== 'string') return;
    this.ring({
      type: 'state',
      ...base,
      state: to,
      seq: e.seq,
      ...(to === 'ended' && outcome ? { outcome } : {}),
    });
  }

  private ring(u: AttemptUpdate): void {
    this.rung++;
    this.bus.ring(u);
  }
}
