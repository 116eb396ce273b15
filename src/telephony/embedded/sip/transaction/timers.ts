/** A set of named timers that a transaction clears in one go when it terminates. */
export class TimerSet {
  private readonly handles = new Map<string, NodeJS.Timeout>();

  set(name: string, ms: number, fn: () => void): void {
    this.clear(name);
    const h = setTimeout(() => {
      this.handles.delete(name);
      fn();
    }, ms);
    // Protocol timers must not keep the process alive on shutdown.
    h.unref?.();
    this.handles.set(name, h);
  }

  clear(name: string): void {
    const h = this.handles.get(name);
    if (h) {
      clearTimeout(h);
      this.handles.delete(name);
    }
  }

  clearAll(): void {
    for (const h of this.handles.values()) clearTimeout(h);
    this.handles.clear();
  }
}
