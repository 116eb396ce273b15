/**
 * Secrets shown exactly once (the app password issued at enrollment). The plaintext lives only in
 * memory until the first pickup or until it expires; the database has only the hash. A restart
 * loses an unclaimed one — the user then creates a new app password, which is the safe failure.
 */
export interface IssuedAppPassword {
  readonly id: string;
  readonly name: string;
  readonly password: string;
}

export class OneTimeSecrets {
  private readonly items = new Map<string, { value: IssuedAppPassword; expiresAt: number }>();

  constructor(private readonly ttlMs: number) {}

  put(attemptId: string, value: IssuedAppPassword, at = Date.now()): void {
    this.sweep(at);
    this.items.set(attemptId, { value, expiresAt: at + this.ttlMs });
  }

  /** Returns the secret once; later calls get undefined. */
  take(attemptId: string, at = Date.now()): IssuedAppPassword | undefined {
    this.sweep(at);
    const item = this.items.get(attemptId);
    this.items.delete(attemptId);
    return item?.value;
  }

  /** Whether a secret is waiting (without taking it). */
  has(attemptId: string, at = Date.now()): boolean {
    this.sweep(at);
    return this.items.has(attemptId);
  }

  private sweep(at: number): void {
    for (const [k, v] of this.items) if (v.expiresAt <= at) this.items.delete(k);
  }
}
