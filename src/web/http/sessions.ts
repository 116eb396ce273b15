/**
 * Server-side sessions for the web UI. The cookie holds a random 32-byte token and its HMAC-SHA256
 * under `http.sessionSecret` (`<token>.<mac>`); a cookie whose MAC does not check is never looked up.
 * The store keeps only the token's SHA-256, so a copy of the database signs nobody in. With a
 * database (the app) sessions survive a restart; without one (unit tests) they live in memory.
 * Two kinds share the mechanism:
 *  - `admin`: after an API-key login; remembers which key (for the audit log), never the key itself.
 *  - `self`: an employee, after an enrollment link, OpenID Connect or LDAP sign-in; bound to one user.
 * Sessions end after an idle time and an absolute lifetime (config `http.sessionIdleMinutes`,
 * `http.sessionAbsoluteHours`), measured on an injected clock.
 * Flash values (one-time notices, a new app password) stay in process memory only: they are
 * shown on the next page, and a secret shown once must never be written to disk.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../store/open';
import {
  countWebSessions,
  deleteExpiredWebSessions,
  deleteOldestWebSessions,
  deleteUserWebSessions,
  deleteWebSession,
  getWebSession,
  insertWebSession,
  listUserWebSessions,
  setWebSessionEnrolling,
  touchWebSession,
} from '../../store/repo/web-sessions';
import type { WebSessionRow } from '../../store/schema';

export type SessionSubject =
  | { readonly kind: 'admin'; readonly keyId: string; readonly name: string }
  | { readonly kind: 'self'; readonly userId: string };

/** How the session was started: API key (admin), enrollment link, OpenID Connect, LDAP bind. */
export type SignInMethod = 'apikey' | 'link' | 'oidc' | 'ldap';

export interface Session {
  /** The cookie value (`<token>.<mac>`): a bearer secret, never shown or logged. */
  readonly id: string;
  /** The token's hash: names the session in lists ("sign out this device") without being a credential. */
  readonly handle: string;
  readonly subject: SessionSubject;
  /** Synchronizer token for forms (CSRF), derived from the token so it survives a restart. */
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly method: SignInMethod;
  /** One-time values shown on the next page (e.g. a new app password); read with `takeFlash`. */
  readonly flash: Map<string, unknown>;
  /** Self-service: the user came through an enrollment link and has not finished step 3 yet. */
  enrolling: boolean;
}

export interface SessionInfo {
  readonly handle: string;
  readonly method: SignInMethod;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

export interface SessionMeta {
  readonly method?: SignInMethod;
  readonly userAgent?: string | undefined;
  readonly ip?: string | undefined;
}

export interface SessionStoreOptions {
  /** `http.sessionSecret`; without one a random per-process secret (sessions then end on restart). */
  readonly secret?: string;
  /** SQLite database for persistent sessions; without it sessions are kept in memory. */
  readonly db?: Db;
  readonly idleMs?: number;
  readonly absoluteMs?: number;
  readonly now?: () => number;
  readonly maxSessions?: number;
}

type Row = Omit<WebSessionRow, 'userAgent' | 'ip'> & { userAgent: string | null; ip: string | null };

/** Where rows live: SQLite (the app) or a Map (unit tests of the UI). */
interface RowStore {
  insert(row: Row): void;
  get(hash: string): Row | undefined;
  touch(hash: string, at: number): void;
  setEnrolling(hash: string, v: boolean): void;
  delete(hash: string): void;
  listUser(userId: string): Row[];
  deleteUser(userId: string, except?: string): number;
  deleteExpired(idleBefore: number, createdBefore: number): void;
  count(): number;
  deleteOldest(n: number): void;
}

function sqliteRows(db: Db): RowStore {
  return {
    insert: (row) => insertWebSession(db, row),
    get: (h) => getWebSession(db, h),
    touch: (h, at) => touchWebSession(db, h, at),
    setEnrolling: (h, v) => setWebSessionEnrolling(db, h, v),
    delete: (h) => deleteWebSession(db, h),
    listUser: (u) => listUserWebSessions(db, u),
    deleteUser: (u, except) => deleteUserWebSessions(db, u, except),
    deleteExpired: (i, c) => void deleteExpiredWebSessions(db, i, c),
    count: () => countWebSessions(db),
    deleteOldest: (n) => deleteOldestWebSessions(db, n),
  };
}

function memoryRows(): RowStore {
  const rows = new Map<string, Row>();
  const mine = (u: string) => [...rows.values()].filter((r) => r.kind === 'self' && r.userId === u);
  return {
    insert: (row) => void rows.set(row.tokenHash, { ...row }),
    get: (h) => rows.get(h),
    touch: (h, at) => {
      const r = rows.get(h);
      if (r) r.lastSeenAt = at;
    },
    setEnrolling: (h, v) => {
      const r = rows.get(h);
      if (r) r.enrolling = v;
    },
    delete: (h) => void rows.delete(h),
    listUser: (u) => mine(u).sort((a, b) => b.lastSeenAt - a.lastSeenAt),
    deleteUser: (u, except) => {
      let n = 0;
      for (const r of mine(u)) if (r.tokenHash !== except && rows.delete(r.tokenHash)) n++;
      return n;
    },
    deleteExpired: (i, c) => {
      for (const [h, r] of rows) if (r.lastSeenAt < i || r.createdAt < c) rows.delete(h);
    },
    count: () => rows.size,
    deleteOldest: (n) => {
      const oldest = [...rows.values()].sort((a, b) => a.lastSeenAt - b.lastSeenAt).slice(0, n);
      for (const r of oldest) rows.delete(r.tokenHash);
    },
  };
}

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class SessionStore {
  private readonly rows: RowStore;
  private readonly secret: Buffer;
  /** Idle timeout in ms (shown to employees on their sessions list). */
  readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly now: () => number;
  private readonly maxSessions: number;
  private readonly flashes = new Map<string, Map<string, unknown>>();

  constructor(options: SessionStoreOptions = {}) {
    this.rows = options.db ? sqliteRows(options.db) : memoryRows();
    this.secret = options.secret ? Buffer.from(options.secret, 'utf8') : randomBytes(32);
    this.idleMs = options.idleMs ?? 30 * 60_000;
    this.absoluteMs = options.absoluteMs ?? 8 * 3600_000;
    this.now = options.now ?? Date.now;
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  create(subject: SessionSubject, meta: SessionMeta = {}): Session {
    this.sweep();
    const count = this.rows.count();
    if (count >= this.maxSessions) this.rows.deleteOldest(count - this.maxSessions + 1);
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    const row: Row = {
      tokenHash: hashSessionToken(token),
      kind: subject.kind,
      userId: subject.kind === 'self' ? subject.userId : null,
      keyId: subject.kind === 'admin' ? subject.keyId : null,
      keyName: subject.kind === 'admin' ? subject.name : null,
      method: meta.method ?? (subject.kind === 'admin' ? 'apikey' : 'link'),
      enrolling: false,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      ip: meta.ip ?? null,
      createdAt: at,
      lastSeenAt: at,
    };
    this.rows.insert(row);
    return this.view(token, row);
  }

  /** The live session for a cookie value, refreshing its idle timer; undefined if forged, unknown or expired. */
  get(cookieValue: string | undefined): Session | undefined {
    const token = this.verify(cookieValue);
    if (!token) return undefined;
    const hash = hashSessionToken(token);
    const row = this.rows.get(hash);
    if (!row) return undefined;
    const at = this.now();
    if (this.expired(row, at)) {
      this.drop(hash);
      return undefined;
    }
    this.rows.touch(hash, at);
    return this.view(token, { ...row, lastSeenAt: at });
  }

  /** Ends the session of a cookie value (sign-out); a forged or unknown value is ignored. */
  destroy(cookieValue: string | undefined): void {
    const token = this.verify(cookieValue);
    if (token) this.drop(hashSessionToken(token));
  }

  /** A user's live self-service sessions, most recently used first. */
  listForUser(userId: string): SessionInfo[] {
    const at = this.now();
    return this.rows
      .listUser(userId)
      .filter((r) => !this.expired(r, at))
      .map((r) => ({
        handle: r.tokenHash,
        method: r.method,
        createdAt: r.createdAt,
        lastSeenAt: r.lastSeenAt,
        userAgent: r.userAgent,
        ip: r.ip,
      }));
  }

  /** Ends one of a user's sessions by its handle; false when it is not theirs. */
  destroyForUser(userId: string, handle: string): boolean {
    const row = this.rows.get(handle);
    if (row?.kind !== 'self' || row.userId !== userId) return false;
    this.drop(handle);
    return true;
  }

  /** "Sign out everywhere": every session of the user, or all but `exceptHandle`. */
  destroyAllForUser(userId: string, exceptHandle?: string): number {
    for (const r of this.rows.listUser(userId)) if (r.tokenHash !== exceptHandle) this.flashes.delete(r.tokenHash);
    return this.rows.deleteUser(userId, exceptHandle);
  }

  get size(): number {
    return this.rows.count();
  }

  /** A value for a short-lived cookie, signed for one purpose (e.g. an OpenID Connect request in flight). */
  seal(purpose: string, value: unknown, ttlMs: number): string {
    const body = Buffer.from(JSON.stringify({ v: value, exp: this.now() + ttlMs }), 'utf8').toString('base64url');
    return `${body}.${this.sign(body, `seal:${purpose}`)}`;
  }

  /** The value of `seal` if the signature checks, the purpose matches and it has not expired. */
  unseal<T>(purpose: string, sealed: string | undefined): T | undefined {
    if (!sealed) return undefined;
    const dot = sealed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const body = sealed.slice(0, dot);
    const given = Buffer.from(sealed.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.sign(body, `seal:${purpose}`), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { v: T; exp: number };
      return typeof parsed.exp === 'number' && parsed.exp >= this.now() ? parsed.v : undefined;
    } catch {
      return undefined;
    }
  }

  private expired(row: Row, at: number): boolean {
    return at - row.lastSeenAt > this.idleMs || at - row.createdAt > this.absoluteMs;
  }

  private drop(hash: string): void {
    this.rows.delete(hash);
    this.flashes.delete(hash);
  }

  private sign(token: string, purpose: string): string {
    return createHmac('sha256', this.secret).update(`${purpose}\0${token}`).digest('base64url');
  }

  /** The token of a cookie value whose MAC checks, else undefined. */
  private verify(cookieValue: string | undefined): string | undefined {
    if (!cookieValue) return undefined;
    const dot = cookieValue.indexOf('.');
    if (dot < 0) return undefined;
    const token = cookieValue.slice(0, dot);
    if (!TOKEN_RE.test(token)) return undefined;
    const given = Buffer.from(cookieValue.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.sign(token, 'session'), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected) ? token : undefined;
  }

  private view(token: string, row: Row): Session {
    const hash = row.tokenHash;
    let flash = this.flashes.get(hash);
    if (!flash) {
      flash = new Map();
      this.flashes.set(hash, flash);
      if (this.flashes.size > this.maxSessions) {
        const first = this.flashes.keys().next().value;
        if (first !== undefined) this.flashes.delete(first);
      }
    }
    const rows = this.rows;
    let enrolling = row.enrolling;
    const subject: SessionSubject =
      row.kind === 'admin'
        ? { kind: 'admin', keyId: row.keyId ?? '', name: row.keyName ?? '' }
        : { kind: 'self', userId: row.userId ?? '' };
    return {
      id: `${token}.${this.sign(token, 'session')}`,
      handle: hash,
      subject,
      csrfToken: this.sign(token, 'csrf'),
      createdAt: row.createdAt,
      lastSeenAt: row.lastSeenAt,
      method: row.method,
      flash,
      get enrolling() {
        return enrolling;
      },
      set enrolling(v: boolean) {
        enrolling = v;
        rows.setEnrolling(hash, v);
      },
    };
  }

  private sweep(): void {
    const at = this.now();
    this.rows.deleteExpired(at - this.idleMs, at - this.absoluteMs);
  }
}

export function takeFlash<T>(session: Session, key: string): T | undefined {
  const value = session.flash.get(key) as T | undefined;
  session.flash.delete(key);
  return value;
}
