/**
 * Server-side sessions for the web UI, kept in memory: a session id is 32 random bytes in an
 * HttpOnly cookie, everything else stays on the server. Two kinds share the mechanism:
 *  - `admin`: after an API-key login; remembers which key (for the audit log), never the key itself.
 *  - `self`: after an enrollment link was redeemed; bound to one user.
 * Sessions expire after an idle time and an absolute lifetime. A restart signs everyone out, which
 * is acceptable for an admin console and an enrollment flow that takes minutes.
 */
import { randomBytes } from 'node:crypto';

export type SessionSubject =
  | { readonly kind: 'admin'; readonly keyId: string; readonly name: string }
  | { readonly kind: 'self'; readonly userId: string };

export interface Session {
  readonly id: string;
  readonly subject: SessionSubject;
  /** Synchronizer token for forms (CSRF). */
  readonly csrfToken: string;
  readonly createdAt: number;
  lastSeenAt: number;
  /** One-time values shown on the next page (e.g. a new app password); read with `takeFlash`. */
  readonly flash: Map<string, unknown>;
  /** Self-service: the user came through an enrollment link and has not finished step 3 yet. */
  enrolling: boolean;
}

export interface SessionStoreOptions {
  readonly idleMs?: number;
  readonly absoluteMs?: number;
  readonly now?: () => number;
  readonly maxSessions?: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly now: () => number;
  private readonly maxSessions: number;

  constructor(options: SessionStoreOptions = {}) {
    this.idleMs = options.idleMs ?? 30 * 60_000;
    this.absoluteMs = options.absoluteMs ?? 8 * 3600_000;
    this.now = options.now ?? Date.now;
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  create(subject: SessionSubject): Session {
    this.sweep();
    // Bound memory against a client creating sessions in a loop: drop the oldest.
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const at = this.now();
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      subject,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: at,
      lastSeenAt: at,
      flash: new Map(),
      enrolling: false,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for an id, refreshing its idle timer; undefined if unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const at = this.now();
    if (at - session.lastSeenAt > this.idleMs || at - session.createdAt > this.absoluteMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = at;
    return session;
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const at = this.now();
    for (const [id, s] of this.sessions) {
      if (at - s.lastSeenAt > this.idleMs || at - s.createdAt > this.absoluteMs) this.sessions.delete(id);
    }
  }
}

export function takeFlash<T>(session: Session, key: string): T | undefined {
  const value = session.flash.get(key) as T | undefined;
  session.flash.delete(key);
  return value;
}
