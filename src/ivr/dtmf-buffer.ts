/**
 * Buffers the call's DTMF from the moment the run starts, so a digit that interrupts a prompt (barge-in)
 * or arrives between verbs is not lost. `gather` keeps what was pressed before it (a '#' during an
 * earlier prompt counts) unless the step sets `flush`; without barge-in it clears the buffer after
 * its prompt has played.
 */
import type { Call, DtmfEvent } from '../telephony/port';

export class DtmfBuffer {
  private readonly queue: DtmfEvent[] = [];
  private waiter: ((ev: DtmfEvent | null) => void) | undefined;
  private readonly onDtmf = (ev: DtmfEvent) => {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(ev);
    } else this.queue.push(ev);
  };

  constructor(private readonly call: Call) {
    call.on('dtmf', this.onDtmf);
  }

  clear(): void {
    this.queue.length = 0;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** The next digit, or null after `timeoutMs` or when `signal` aborts. */
  next(timeoutMs: number, signal: AbortSignal): Promise<DtmfEvent | null> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (signal.aborted || timeoutMs <= 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      const done = (ev: DtmfEvent | null) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.waiter === done) this.waiter = undefined;
        resolve(ev);
      };
      const onAbort = () => done(null);
      const timer = setTimeout(() => done(null), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = done;
    });
  }

  dispose(): void {
    this.call.off('dtmf', this.onDtmf);
    this.waiter?.(null);
  }
}
