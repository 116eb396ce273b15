/**
 * In-process fan-out of attempt updates to live listeners (Server-Sent Events, web UI, webhooks).
 * Publishers call it only after the change has been committed, so a listener never sees a state
 * that is not in the database.
 *
 * Attempts another node runs (issue 19) never pass this node's publishers; a watcher told of every
 * attempt that gets its first listener `ring`s their updates as it reads them from the database,
 * to that attempt's listeners only (`*` listeners act on this node's own attempts: webhooks, Entra).
 */
import { EventEmitter } from 'node:events';

export type AttemptUpdate =
  | {
      readonly type: 'state';
      readonly attemptId: string;
      readonly state: string;
      readonly at: number;
      readonly outcome?: string;
      readonly seq?: number;
    }
  | {
      readonly type: 'trace';
      readonly attemptId: string;
      readonly seq: number;
      readonly at: number;
      readonly kind: string;
      readonly summary: string;
    }
  /** A retry or backup call continues this attempt under a new id. */
  | { readonly type: 'continued'; readonly attemptId: string; readonly nextAttemptId: string; readonly at: number };

export type AttemptListener = (update: AttemptUpdate) => void;

/** Told when an attempt gets its first listener and loses its last one. */
export interface AttemptWatcher {
  watch(attemptId: string): void;
  unwatch(attemptId: string): void;
}

export class AttemptBus {
  private readonly emitter = new EventEmitter();
  private watcher: AttemptWatcher | undefined;

  constructor() {
    // One listener per open SSE connection; hundreds are normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  publish(update: AttemptUpdate): void {
    this.emitter.emit(update.attemptId, update);
    this.emitter.emit('*', update);
  }

  /** An update of an attempt another node runs, read from the database: to its own listeners only. */
  ring(update: AttemptUpdate): void {
    this.emitter.emit(update.attemptId, update);
  }

  /** Listen to one attempt (or `*` for all). Returns the unsubscribe function. */
  subscribe(attemptId: string, listener: AttemptListener): () => void {
    const first = attemptId !== '*' && this.emitter.listenerCount(attemptId) === 0;
    this.emitter.on(attemptId, listener);
    if (first) this.watcher?.watch(attemptId);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.emitter.off(attemptId, listener);
      if (attemptId !== '*' && this.emitter.listenerCount(attemptId) === 0) this.watcher?.unwatch(attemptId);
    };
  }

  /** The one watcher (the remote-attempt feed), set once at start-up. */
  setWatcher(watcher: AttemptWatcher): void {
    this.watcher = watcher;
  }

  /** Attempts with a listener now. */
  get watched(): number {
    return this.emitter.eventNames().filter((n) => n !== '*').length;
  }
}
