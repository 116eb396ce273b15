/**
 * App passwords for legacy apps: created with a name and shown once, listed without the secret,
 * revoked, and checked by the IdP/mail gateway (`check`), rate-limited per username so the endpoint
 * cannot be used to guess passwords online.
 */

import { randomUUID } from 'node:crypto';
import { generateAppPassword, looksLikeAppPassword, normaliseAppPassword } from '../../domain/app-passwords/generate';
import { DEFAULT_SCRYPT, hashSecret, type ScryptParams, verifySecret } from '../../domain/secrets/slow-hash';
import {
  type AppPasswordInfo,
  activeAppPasswordHashes,
  audit,
  getAppPassword,
  getUserByUsername,
  insertAppPassword,
  isBlocked,
  listAppPasswords,
  revokeAppPassword,
  type Store,
  touchAppPassword,
} from '../../store';
import { FailureLimiter } from './rate-limiter';

export interface AppPasswordSettings {
  /** Checks per username per window (successful and failed alike). */
  readonly checksPerWindow: number;
  readonly windowMs: number;
  /** Active app passwords per user. */
  readonly maxPerUser: number;
  /** Cost of new hashes (old hashes keep their own). */
  readonly scrypt?: ScryptParams;
}

export const DEFAULT_APP_PASSWORD_SETTINGS: AppPasswordSettings = {
  checksPerWindow: 10,
  windowMs: 60_000,
  maxPerUser: 20,
};

export type CheckResult =
  | { readonly status: 'checked'; readonly valid: boolean }
  | { readonly status: 'rate-limited'; readonly retryAfterMs: number };

export class AppPasswordService {
  private readonly limiter: FailureLimiter;

  constructor(
    private readonly store: Store,
    private readonly settings: AppPasswordSettings = DEFAULT_APP_PASSWORD_SETTINGS,
  ) {
    this.limiter = new FailureLimiter(settings.checksPerWindow, settings.windowMs);
  }

  // A hash of nothing in particular, at the same cost as real ones, to spend the same time on misses.
  private dummy: Promise<string> | undefined;

  /** Creates one; the plaintext in the answer is the only copy. Undefined when the user has too many. */
  async create(
    userId: string,
    name: string,
    actor: string,
  ): Promise<{ info: AppPasswordInfo; password: string } | { error: 'too-many' }> {
    if (listAppPasswords(this.store.db, userId).length >= this.settings.maxPerUser) return { error: 'too-many' };
    const password = generateAppPassword();
    const hash = await hashSecret(normaliseAppPassword(password), this.settings.scrypt ?? DEFAULT_SCRYPT);
    const info = this.store.db.transaction(() => {
      const row = insertAppPassword(this.store.db, { userId, name, hash });
      audit(this.store.db, {
        actor,
        action: 'app-password.create',
        target: `user:${userId}`,
        detail: { appPasswordId: row.id, name },
      });
      return row;
    });
    return { info, password };
  }

  list(userId: string, includeRevoked = false): AppPasswordInfo[] {
    return listAppPasswords(this.store.db, userId, { includeRevoked });
  }

  /** False if it does not exist, belongs to someone else, or is already revoked. */
  revoke(userId: string, id: string, actor: string): boolean {
    const row = getAppPassword(this.store.db, id);
    if (!row || row.userId !== userId) return false;
    return this.store.db.transaction(() => {
      if (!revokeAppPassword(this.store.db, id)) return false;
      audit(this.store.db, {
        actor,
        action: 'app-password.revoke',
        target: `user:${userId}`,
        detail: { appPasswordId: id },
      });
      return true;
    });
  }

  async check(username: string, password: string): Promise<CheckResult> {
    const wait = this.limiter.hit(username);
    if (wait > 0) return { status: 'rate-limited', retryAfterMs: wait };
    const user = getUserByUsername(this.store.db, username);
    // Unknown users and malformed passwords cost the same slow hash, so timing does not reveal which usernames exist.
    const candidates = user && !isBlocked(user) ? activeAppPasswordHashes(this.store.db, user.id) : [];
    const normalised = normaliseAppPassword(password);
    if (candidates.length === 0 || !looksLikeAppPassword(password)) {
      this.dummy ??= hashSecret(randomUUID(), this.settings.scrypt ?? DEFAULT_SCRYPT);
      await verifySecret(normalised, await this.dummy);
      return { status: 'checked', valid: false };
    }
    for (const c of candidates) {
      if (await verifySecret(normalised, c.hash)) {
        touchAppPassword(this.store.db, c.id);
        return { status: 'checked', valid: true };
      }
    }
    return { status: 'checked', valid: false };
  }
}
