/**
 * App passwords for legacy apps: created with a name and shown once, listed without the secret,
 * revoked, and checked by the IdP/mail gateway (`check`). Checks are throttled per (source, username)
 * with growing delays and per source across usernames (see domain/login-throttle.ts): online guessing
 * and password sprays slow down, yet nobody can lock a real user out by failing on their name.
 */

import { randomUUID } from 'node:crypto';
import { generateAppPassword, looksLikeAppPassword, normaliseAppPassword } from '../../domain/app-passwords/generate';
import { normaliseUsername } from '../../domain/identity-text';
import { LoginThrottle, type LoginThrottleOptions, type ThrottleClock } from '../../domain/login-throttle';
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

export interface AppPasswordSettings {
  /** Delays for failed checks (defaults: DEFAULT_LOGIN_THROTTLE). */
  readonly throttle?: Partial<LoginThrottleOptions>;
  /** The throttle's clock (tests pass a fake one). */
  readonly clock?: ThrottleClock;
  /** The throttle itself (serve passes one counting across nodes); else one in memory from `throttle`/`clock`. */
  readonly loginThrottle?: LoginThrottle;
  /** Active app passwords per user. */
  readonly maxPerUser: number;
  /** Cost of new hashes (old hashes keep their own). */
  readonly scrypt?: ScryptParams;
}

export const DEFAULT_APP_PASSWORD_SETTINGS: AppPasswordSettings = {
  maxPerUser: 20,
};

export type CheckResult =
  | { readonly status: 'checked'; readonly valid: boolean }
  | { readonly status: 'rate-limited'; readonly retryAfterMs: number };

export class AppPasswordService {
  private readonly throttle: LoginThrottle;

  constructor(
    private readonly store: Store,
    private readonly settings: AppPasswordSettings = DEFAULT_APP_PASSWORD_SETTINGS,
  ) {
    this.throttle = settings.loginThrottle ?? new LoginThrottle(settings.throttle, settings.clock);
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

  /**
   * `source` is where the person signing in is (the client address the gateway reports, else the
   * gateway's own address). Slow on repeated failures from one source; busy only under a flood.
   */
  async check(username: string, password: string, source = 'unknown'): Promise<CheckResult> {
    let valid = false;
    const verdict = await this.throttle.attempt(source, normaliseUsername(username), async () => {
      valid = await this.verify(username, password);
      return valid;
    });
    if (verdict.status === 'busy') return { status: 'rate-limited', retryAfterMs: verdict.retryAfterMs };
    return { status: 'checked', valid };
  }

  private async verify(username: string, password: string): Promise<boolean> {
    const user = getUserByUsername(this.store.db, username);
    // Unknown users and malformed passwords cost the same slow hash, so timing does not reveal which usernames exist.
    const candidates = user && !isBlocked(user) ? activeAppPasswordHashes(this.store.db, user.id) : [];
    const normalised = normaliseAppPassword(password);
    if (candidates.length === 0 || !looksLikeAppPassword(password)) {
      this.dummy ??= hashSecret(randomUUID(), this.settings.scrypt ?? DEFAULT_SCRYPT);
      await verifySecret(normalised, await this.dummy);
      return false;
    }
    for (const c of candidates) {
      if (await verifySecret(normalised, c.hash)) {
        touchAppPassword(this.store.db, c.id);
        return true;
      }
    }
    return false;
  }
}
