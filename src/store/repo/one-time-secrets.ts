/**
 * One-time secrets in the database (issue 19): the app password an approved enrollment issued waits
 * here, sealed, until its one pickup on any node of the site or until it expires.
 *
 * The value is sealed (src/domain/secrets/seal.ts: AES-256-GCM, random IV, the attempt id as
 * associated data) under a key derived from a secret every node shares — `serve` passes the web
 * session secret — so the database alone never reveals it. `take` is one `DELETE … RETURNING`:
 * SQLite runs it under the write lock, so of any number of nodes taking the same secret exactly
 * one gets the row. Expired rows are never returned and are deleted on every put and take and by
 * the expiry job. A row
 * that does not open under this node's key (another node with another secret wrote it) counts as
 * absent and is deleted; `onUnreadable` says so (the warning, never the secret or the key).
 */
import { deriveSealKey, seal, unseal } from '../../domain/secrets/seal';
import type { Db } from '../open';
import { immediate, prepared } from './prepared';

export interface StoreOneTimeSecretsOptions {
  /** A secret every node of the site has (`http.sessionSecret`); the key is derived from it. */
  readonly sharedSecret: string;
  /** A row was there but did not open under this node's key (it is deleted; the pickup gets nothing). */
  readonly onUnreadable?: (attemptId: string) => void;
}

const PURPOSE = 'fyrkant one-time secrets v1';
const UPSERT = `INSERT INTO one_time_secrets (attempt_id, sealed, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (attempt_id) DO UPDATE SET sealed = excluded.sealed, expires_at = excluded.expires_at`;
const TAKE = 'DELETE FROM one_time_secrets WHERE attempt_id = ? RETURNING sealed, expires_at AS expiresAt';
const HAS = 'SELECT 1 FROM one_time_secrets WHERE attempt_id = ? AND expires_at > ?';
const SWEEP = 'DELETE FROM one_time_secrets WHERE expires_at <= ?';

export class StoreOneTimeSecrets<T> {
  private readonly key: Buffer;

  constructor(
    private readonly db: Db,
    private readonly o: StoreOneTimeSecretsOptions,
  ) {
    this.key = deriveSealKey(o.sharedSecret, PURPOSE);
  }

  put(attemptId: string, value: T, ttlMs: number, at = Date.now()): void {
    const sealed = seal(this.key, JSON.stringify(value), attemptId);
    const sqlite = this.db.$client;
    immediate(sqlite, () => {
      this.sweep(at);
      prepared(sqlite, UPSERT).run(attemptId, sealed, at + ttlMs);
    });
  }

  /** The value once, to exactly one taker across every process on the database; then undefined. */
  take(attemptId: string, at = Date.now()): T | undefined {
    const sqlite = this.db.$client;
    const row = immediate(sqlite, () => {
      this.sweep(at);
      return prepared<[string], { sealed: string; expiresAt: number }>(sqlite, TAKE).get(attemptId);
    });
    if (!row || row.expiresAt <= at) return undefined;
    const plain = unseal(this.key, row.sealed, attemptId);
    if (plain === undefined) {
      this.o.onUnreadable?.(attemptId);
      return undefined;
    }
    return JSON.parse(plain) as T;
  }

  has(attemptId: string, at = Date.now()): boolean {
    return prepared<[string, number]>(this.db.$client, HAS).get(attemptId, at) !== undefined;
  }

  /** Deletes every expired row (also done by every put and take). */
  sweep(at = Date.now()): number {
    return deleteExpiredOneTimeSecrets(this.db, at);
  }
}

/** Deletes the one-time secrets whose pickup time is over (the expiry job, every put and take). */
export function deleteExpiredOneTimeSecrets(db: Db, at = Date.now()): number {
  return prepared<[number]>(db.$client, SWEEP).run(at).changes;
}
