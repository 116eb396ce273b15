/**
 * One-time secrets in this process's memory: gone on restart and invisible to other nodes. For
 * unit tests and single-process tools; `serve` keeps them in the database (issue 19).
 */
import type { IssuedAppPassword, OneTimeSecrets } from './one-time-secrets';

export class MemoryOneTimeSecrets implements OneTimeSecrets {
  private readonly items = new Map<string, { value: IssuedAppPassword; expiresAt: number }>();

  put(attemptId: string, value: IssuedAppPassword, ttlMs: number, at = Date.now()): void {
    this.sweep(at);
    this.items.set(attemptId, { value, expiresAt: at + ttlMs });
  }

  take(attemptId: string, at = Date.now()): IssuedAppPassword | undefined {
    this.sweep(at);
    const item = this.items.get(attemptId);
    this.items.delete(attemptId);
    return item?.value;
  }

  has(attemptId: string, at = Date.now()): boolean {
    this.sweep(at);
    return this.items.has(attemptId);
  }

  private sweep(at: number): void {
    for (const [k, v] of this.items) if (v.expiresAt <= at) this.items.delete(k);
  }
}
