/**
 * The call queue: at most `limit()` calls in progress at once on this node (`nodeCallLimit`: the
 * site's concurrent-call limit, or the node's own when smaller); the rest wait in FIFO order. The
 * limit is read on every start so a config reload takes effect without a restart.
 */
export type CallJob = () => Promise<void>;

export interface CallQueueEvents {
  /** Called whenever the waiting or active count changes (metrics). */
  readonly onChange?: (waiting: number, active: number) => void;
}

export class CallQueue {
  private readonly waiting: CallJob[] = [];
  private running = 0;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly limit: () => number,
    private readonly events: CallQueueEvents = {},
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }

  /** A job pushed now would start at once. */
  hasCapacity(): boolean {
    return this.waiting.length === 0 && this.running < Math.max(1, this.limit());
  }

  push(job: CallJob): void {
    this.waiting.push(job);
    this.pump();
  }

  /** Resolves once nothing waits and nothing runs (shutdown, tests). */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.running < Math.max(1, this.limit()) && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      // A job handles its own errors; the catch only keeps a bug from stopping the queue.
      void job()
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
          this.changed();
        });
    }
    this.changed();
  }

  private changed(): void {
    this.events.onChange?.(this.waiting.length, this.running);
    if (this.running === 0 && this.waiting.length === 0) for (const r of this.idle.splice(0)) r();
  }
}
