/**
 * What an administrator does to people: find them by registration status, edit and delete them,
 * reset or re-require their phone methods, block and unblock with a reason, and grant a one-time
 * bypass with an explanation. Every change is audited in the same transaction as the change itself.
 * The REST API (`http/api/routes/user-admin.ts`) and the admin web pages call this, never the store.
 */
import { audit, getUser, type Store, updateUser } from '../../store';
import {
  deleteAllPhoneMethods,
  expireOpenEnrollmentLinks,
  listUsersWithFacts,
  unverifyPhoneMethods,
} from '../../store/repo/user-admin';
import { deleteUserWebSessions } from '../../store/repo/web-sessions';
import type { BypassRow, UserRow } from '../../store/schema';
import { type Coverage, coverageOf, type RegistrationStatus, registrationStatus } from './registration';
import type { FieldProblem, Outcome, UserService } from './service';

export interface UserRegistration {
  readonly user: UserRow;
  readonly status: RegistrationStatus;
  readonly methods: number;
  readonly verifiedMethods: number;
  readonly openLinks: number;
}

export interface UserFilter {
  /** Part of the username, display name or e-mail address. */
  readonly search?: string;
  readonly status?: RegistrationStatus;
  readonly limit?: number;
}

export interface UserEdit {
  readonly displayName?: string;
  readonly language?: string;
  /** Empty string or null removes the address. */
  readonly email?: string | null;
}

const MAX_REASON = 500;
const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
/** Deliberately plain (RFC 5322 allows more, but an enrollment mail must reach an ordinary mailbox). */
const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

const invalid = (...problems: FieldProblem[]): Outcome<never> => ({ ok: false, error: 'invalid', problems });
const notFound = (): Outcome<never> => ({ ok: false, error: 'not-found', what: 'user' });

function reasonProblem(field: string, value: string | undefined, what: 'block' | 'bypass'): FieldProblem | undefined {
  const text = value?.trim() ?? '';
  if (text.length === 0)
    return {
      field,
      code: 'required',
      message:
        what === 'block'
          ? { sv: 'Skriv varför användaren spärras.', en: 'Write why the user is blocked.' }
          : {
              sv: 'Skriv varför användaren får logga in utan samtal (till exempel ärendenummer).',
              en: 'Write why the user may sign in without a call (for example a ticket number).',
            },
    };
  if (text.length > MAX_REASON)
    return {
      field,
      code: 'too-long',
      message: { sv: `Högst ${MAX_REASON} tecken.`, en: `At most ${MAX_REASON} characters.` },
    };
  return undefined;
}

export class UserAdminService {
  constructor(
    private readonly store: Store,
    private readonly users: UserService,
    private readonly clock: () => number = Date.now,
  ) {}

  private get db() {
    return this.store.db;
  }

  list(filter: UserFilter = {}): UserRegistration[] {
    const now = this.clock();
    const rows = listUsersWithFacts(this.db, { ...(filter.search ? { search: filter.search } : {}), at: now });
    const out: UserRegistration[] = [];
    for (const r of rows) {
      const status = registrationStatus({ ...r, blockedUntil: r.user.blockedUntil }, now);
      if (filter.status && status !== filter.status) continue;
      out.push({ ...r, status });
      if (out.length >= (filter.limit ?? 10_000)) break;
    }
    return out;
  }

  get(id: string): UserRegistration | undefined {
    const now = this.clock();
    const r = listUsersWithFacts(this.db, { ids: [id], at: now })[0];
    return r ? { ...r, status: registrationStatus({ ...r, blockedUntil: r.user.blockedUntil }, now) } : undefined;
  }

  /** Enrollment coverage: how many users are in each status (dashboard, API). */
  coverage(): Coverage {
    return coverageOf(this.list().map((r) => r.status));
  }

  edit(id: string, input: UserEdit, actor: string): Outcome<UserRow> {
    if (!getUser(this.db, id)) return notFound();
    const problems: FieldProblem[] = [];
    const patch: { displayName?: string; language?: string; email?: string | null } = {};
    if (input.displayName !== undefined) {
      const v = input.displayName.trim();
      if (v.length > 200)
        problems.push({
          field: 'displayName',
          code: 'too-long',
          message: { sv: 'Högst 200 tecken.', en: 'At most 200 characters.' },
        });
      patch.displayName = v;
    }
    if (input.language !== undefined) {
      if (!LANGUAGE_TAG.test(input.language))
        problems.push({
          field: 'language',
          code: 'invalid',
          message: { sv: 'Välj ett språk, till exempel sv-SE.', en: 'Choose a language, for example en-GB.' },
        });
      patch.language = input.language;
    }
    if (input.email !== undefined) {
      const v = input.email?.trim() ?? '';
      if (v && (v.length > 254 || !EMAIL.test(v)))
        problems.push({
          field: 'email',
          code: 'invalid',
          message: {
            sv: 'Skriv en e-postadress som namn@exempel.se.',
            en: 'Enter an e-mail address like name@example.com.',
          },
        });
      patch.email = v || null;
    }
    if (problems.length) return invalid(...problems);
    const user = this.db.transaction(() => {
      const u = updateUser(this.db, id, patch, this.clock());
      audit(this.db, { actor, action: 'user.update', target: `user:${id}`, detail: { ...patch } });
      return u;
    });
    return { ok: true, value: user };
  }

  /** Deletes the user with methods, links and app passwords (audited; attempt history stays). */
  remove(id: string, actor: string): Outcome<void> {
    return this.users.remove(id, actor) ? { ok: true, value: undefined } : notFound();
  }

  /**
   * Removes every phone method and ends unused enrollment links: the user has nothing to sign in
   * with until they register again with a new link.
   */
  resetMethods(id: string, actor: string): Outcome<{ removed: number }> {
    if (!getUser(this.db, id)) return notFound();
    const now = this.clock();
    const removed = this.db.transaction(() => {
      const n = deleteAllPhoneMethods(this.db, id);
      const links = expireOpenEnrollmentLinks(this.db, id, now);
      updateUser(this.db, id, { reregisterRequestedAt: now }, now);
      // Whoever is signed in as the user now has nothing to verify with: they sign in again.
      deleteUserWebSessions(this.db, id);
      audit(this.db, {
        actor,
        action: 'user.reset-methods',
        target: `user:${id}`,
        detail: { removedMethods: n, expiredLinks: links },
        at: now,
      });
      return n;
    });
    return { ok: true, value: { removed } };
  }

  /** Keeps the phones but makes every one unverified: the next sign-in needs a new verification call first. */
  requireReregistration(id: string, actor: string): Outcome<{ unverified: number }> {
    if (!getUser(this.db, id)) return notFound();
    const now = this.clock();
    const unverified = this.db.transaction(() => {
      const n = unverifyPhoneMethods(this.db, id, now);
      updateUser(this.db, id, { reregisterRequestedAt: now }, now);
      deleteUserWebSessions(this.db, id);
      audit(this.db, {
        actor,
        action: 'user.require-reregistration',
        target: `user:${id}`,
        detail: { unverifiedMethods: n },
        at: now,
      });
      return n;
    });
    return { ok: true, value: { unverified } };
  }

  block(id: string, input: { until: number; reason: string }, actor: string): Outcome<UserRow> {
    if (!getUser(this.db, id)) return notFound();
    const now = this.clock();
    const problems: FieldProblem[] = [];
    const r = reasonProblem('reason', input.reason, 'block');
    if (r) problems.push(r);
    if (!Number.isFinite(input.until) || input.until <= now)
      problems.push({
        field: 'until',
        code: 'in-the-past',
        message: { sv: 'Spärren måste sluta i framtiden.', en: 'The block must end in the future.' },
      });
    if (problems.length) return invalid(...problems);
    const reason = input.reason.trim();
    const user = this.db.transaction(() => {
      const u = updateUser(this.db, id, { blockedUntil: input.until, blockReason: reason }, now);
      // A blocked user is signed out of Security info at once, not when their session times out.
      deleteUserWebSessions(this.db, id);
      audit(this.db, {
        actor,
        action: 'user.block',
        target: `user:${id}`,
        detail: { blockedUntil: input.until, reason },
        at: now,
      });
      return u;
    });
    return { ok: true, value: user };
  }

  unblock(id: string, reason: string | undefined, actor: string): Outcome<UserRow> {
    const before = getUser(this.db, id);
    if (!before) return notFound();
    const now = this.clock();
    const text = reason?.trim().slice(0, MAX_REASON) || null;
    const user = this.db.transaction(() => {
      const u = updateUser(this.db, id, { blockedUntil: null, blockReason: null }, now);
      audit(this.db, {
        actor,
        action: 'user.unblock',
        target: `user:${id}`,
        detail: { wasBlockedUntil: before.blockedUntil, wasReason: before.blockReason, reason: text },
        at: now,
      });
      return u;
    });
    return { ok: true, value: user };
  }

  /** A one-time bypass needs an explanation (kept on the bypass and in the audit log). */
  bypass(
    id: string,
    input: { explanation: string | null | undefined; ttlMs?: number },
    actor: string,
  ): Outcome<BypassRow> {
    if (!getUser(this.db, id)) return notFound();
    const problem = reasonProblem('reason', input.explanation ?? undefined, 'bypass');
    if (problem) return invalid(problem);
    if (
      input.ttlMs !== undefined &&
      (!Number.isFinite(input.ttlMs) || input.ttlMs < 30_000 || input.ttlMs > 86_400_000)
    )
      return invalid({
        field: 'ttl',
        code: 'out-of-range',
        message: { sv: 'Mellan 30 sekunder och 24 timmar.', en: 'Between 30 seconds and 24 hours.' },
      });
    return this.users.createBypass(id, (input.explanation ?? '').trim(), input.ttlMs, actor);
  }
}
