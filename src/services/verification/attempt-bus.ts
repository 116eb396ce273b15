/**
 * In-process fan-out of attempt updates to live listeners (Server-Sent Events, web UI, webhooks).
 * Publishers call it only after the change has been committed, so a listener never sees a state
 * that is not in the database.
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

export class AttemptBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open SSE connection; hundreds are normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  publish(update: AttemptUpdate): void {
    this.emitter.emit(update.attemptId, update);
    this.emitter.emit('*', update);
  }

  /** Listen to one attempt (or `*` for all). Returns the unsubscribe function. */
  subscribe(attemptId: string, listener: AttemptListener): () => void {
    this.emitter.on(attemptId, listener);
    return () => this.emitter.off(attemptId, listener);
  }
}
