/**
 * Secrets shown exactly once (the app password issued at enrollment): the port the verification
 * service keeps them in until the first pickup or until they expire. The database has only the
 * app password's hash; where the plaintext waits is the implementation's business:
 * - `MemoryOneTimeSecrets` (memory-one-time-secrets.ts): this process only (unit tests);
 * - `StoreOneTimeSecrets` (src/store/repo/one-time-secrets.ts): the database, sealed under a key
 *   every node shares, so the pickup works on any node (issue 19). `serve` wires this one.
 * An unclaimed one that is lost (expired, a key that changed) means the user creates a new app
 * password, which is the safe failure.
 */
export interface IssuedAppPassword {
  readonly id: string;
  readonly name: string;
  readonly password: string;
}

export interface OneTimeSecrets {
  /** Keeps `value` for the attempt's pickup for `ttlMs` from `at`. */
  put(attemptId: string, value: IssuedAppPassword, ttlMs: number, at?: number): void;
  /** Returns the secret once — to exactly one caller, on any node; later calls get undefined. */
  take(attemptId: string, at?: number): IssuedAppPassword | undefined;
  /** Whether a secret is waiting (without taking it). */
  has(attemptId: string, at?: number): boolean;
}
