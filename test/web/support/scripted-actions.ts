/**
 * A test double of the service layer's write side (`WebActions`) for fast UI tests: it stores
 * through the real store and validates numbers with the real domain parser, but instead of calling
 * a phone it plays a scripted attempt (state transitions + trace events) the test chose. The
 * end-to-end tests with real SIP peers use the real service wiring instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { and, eq } from 'drizzle-orm';
import type { CallOutcome } from '../../../src/domain/call-outcomes';
import { checkDisplayName, checkUsername } from '../../../src/domain/identity-text';
import { parsePhone } from '../../../src/domain/phone/parse';
import type { Db } from '../../../src/store/open';
import {
  appendAttemptEvent,
  createAttempt,
  getAttempt,
  transitionAttempt,
  updateAttemptDetails,
} from '../../../src/store/repo/attempts';
import { findUsableEnrollmentLink, useEnrollmentLink } from '../../../src/store/repo/enrollment-links';
import {
  addPhoneMethod,
  deletePhoneMethod,
  getPhoneMethod,
  markPhoneMethodVerified,
  setDefaultPhoneMethod,
  updatePhoneMethod,
} from '../../../src/store/repo/phone-methods';
import { createUser, updateUser } from '../../../src/store/repo/users';
import { appPasswords } from '../../../src/store/schema';
import type { TraceEvent } from '../../../src/telephony/port';
import type { AttemptChange, WebActions } from '../../../src/web/ports';
import { phoneMethodView, userView } from '../../../src/web/wiring';

export const TEST_ADMIN_KEY = 'fyk_testtest_0123456789012345678901234567890123456789abc';

/** One step of a scripted call: wait, then move the attempt and/or write trace events. */
export type ScriptedStep =
  | { readonly waitMs: number; readonly to: 'dialling' | 'ringing' | 'answered'; readonly trace?: TraceEvent[] }
  | { readonly waitMs: number; readonly trace: TraceEvent[] }
  | {
      readonly waitMs: number;
      readonly to: 'ended';
      readonly outcome: CallOutcome;
      readonly sipStatus?: number;
      readonly sipReason?: string;
      readonly trace?: TraceEvent[];
    };

function problem(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { status, code, extra });
}

export class ScriptedActions implements WebActions {
  readonly bus = new EventEmitter();
  readonly plans: ScriptedStep[][] = [];
  private readonly links = new Map<string, string>();
  private readonly issued = new Map<string, { name: string; password: string }>();
  readonly calls: { userId: string; methodId: string; purpose: string }[] = [];
  /** Rate limit for the "call me again" tests: seconds to wait, or 0. */
  rateLimitSeconds = 0;

  constructor(private readonly db: Db) {
    this.bus.setMaxListeners(0);
  }

  enrollmentLink(userId: string): string {
    const token = randomBytes(18).toString('base64url');
    this.links.set(token, userId);
    return token;
  }

  async verifyAdminKey(key: string) {
    return key === TEST_ADMIN_KEY ? { keyId: 'k1', name: 'test admin' } : undefined;
  }
  async redeemEnrollmentLink(token: string) {
    const userId = this.links.get(token);
    this.links.delete(token);
    if (userId) return { userId };
    // Links the real services made (bulk CSV, e-mail): redeemed from the store, single use.
    const link = findUsableEnrollmentLink(this.db, token);
    return link && useEnrollmentLink(this.db, link.id) ? { userId: link.userId } : undefined;
  }
  async createEnrollmentLink(userId: string) {
    return { url: `http://127.0.0.1/enroll/${this.enrollmentLink(userId)}`, expiresAt: Date.now() + 86400_000 };
  }
  async createUser(input: { username: string; displayName: string; language: string }) {
    // The service's own rule (src/domain/identity-text.ts), so the UI shows what production shows.
    const name = checkUsername(input.username);
    const display = checkDisplayName(input.displayName);
    const fields = [
      ...(name.ok ? [] : [{ field: 'username', message: name.message.en, messages: name.message }]),
      ...(display.ok ? [] : [{ field: 'displayName', message: display.message.en, messages: display.message }]),
    ];
    if (!name.ok || !display.ok) throw problem(422, 'validation-failed', 'invalid user', { fields });
    return userView(createUser(this.db, { ...input, username: name.value, displayName: display.value }));
  }
  async blockUser(userId: string, until: number | null) {
    updateUser(this.db, userId, { blockedUntil: until });
  }
  async createBypass(_userId: string, minutes: number) {
    return { expiresAt: Date.now() + minutes * 60_000 };
  }

  private parse(input: { country?: string; number?: string; extension?: string }) {
    const r = parsePhone(input.number ?? '', { country: input.country, extension: input.extension ?? null });
    if (!r.ok)
      throw problem(422, 'validation-failed', r.message.en, {
        fields: [{ field: r.field, code: r.code, message: r.message.en, messages: r.message }],
      });
    return r;
  }

  async addPhoneMethod(
    userId: string,
    input: { kind: 'office' | 'mobile' | 'alternate'; country: string; number: string; extension?: string },
  ) {
    const p = this.parse(input);
    return phoneMethodView(
      addPhoneMethod(this.db, {
        userId,
        kind: input.kind,
        country: input.country,
        e164: p.e164,
        extension: p.extension,
      }),
    );
  }
  async updatePhoneMethod(
    _userId: string,
    methodId: string,
    patch: { country?: string; number?: string; extension?: string; isDefault?: boolean },
  ) {
    if (patch.isDefault) return phoneMethodView(setDefaultPhoneMethod(this.db, methodId));
    const p = this.parse(patch);
    return phoneMethodView(
      updatePhoneMethod(this.db, methodId, {
        e164: p.e164,
        extension: p.extension,
        ...(patch.country ? { country: patch.country } : {}),
      }),
    );
  }
  async removePhoneMethod(_userId: string, methodId: string) {
    deletePhoneMethod(this.db, methodId);
  }

  async startCall(userId: string, methodId: string, purpose: 'enrollment' | 'test', _lang: string) {
    if (this.rateLimitSeconds > 0)
      throw problem(429, 'rate-limited', 'too many calls', { retryAfterSeconds: this.rateLimitSeconds });
    const method = getPhoneMethod(this.db, methodId);
    if (!method) throw problem(404, 'not-found', 'no such method');
    this.calls.push({ userId, methodId, purpose });
    const attempt = createAttempt(this.db, { purpose, userId, phoneMethodId: methodId, destination: method.e164 });
    const plan = this.plans.shift() ?? [];
    void this.play(attempt.id, methodId, purpose, plan);
    return { attemptId: attempt.id };
  }

  /** The scripted double places a new call; the real chain rules are tested against the service. */
  async callAgain(userId: string, attemptId: string, purpose: 'enrollment' | 'test', lang: string) {
    const a = getAttempt(this.db, attemptId);
    if (!a?.phoneMethodId) throw problem(404, 'not-found', 'no such attempt');
    return this.startCall(userId, a.phoneMethodId, purpose, lang);
  }

  private publish(attemptId: string, state: string, outcome?: string) {
    const change: AttemptChange = { attemptId, state, ...(outcome ? { outcome } : {}) };
    this.bus.emit(attemptId, change);
  }

  private async play(attemptId: string, methodId: string, purpose: string, plan: ScriptedStep[]) {
    for (const step of plan) {
      await new Promise((r) => setTimeout(r, step.waitMs));
      for (const e of step.trace ?? []) appendAttemptEvent(this.db, attemptId, e);
      if (!('to' in step)) continue;
      if (step.to === 'dialling')
        transitionAttempt(this.db, attemptId, { to: 'dialling', dialledTarget: 'sip:test', backend: 'scripted' });
      else if (step.to === 'ringing') transitionAttempt(this.db, attemptId, { to: 'ringing', sipStatus: 180 });
      else if (step.to === 'answered') transitionAttempt(this.db, attemptId, { to: 'answered' });
      else if (step.to === 'ended') {
        updateAttemptDetails(this.db, attemptId, { digitsReceived: step.outcome === 'approved' ? '#' : null });
        transitionAttempt(this.db, attemptId, {
          to: 'ended',
          outcome: step.outcome,
          ...(step.sipStatus ? { sipStatus: step.sipStatus } : {}),
          ...(step.sipReason ? { sipReason: step.sipReason } : {}),
        });
        if (step.outcome === 'approved' && purpose === 'enrollment') {
          markPhoneMethodVerified(this.db, methodId);
          const userId = getPhoneMethod(this.db, methodId)!.userId;
          const created = await this.createAppPassword(userId, 'App password');
          this.issued.set(attemptId, { name: created.name, password: created.password });
        }
      }
      this.publish(attemptId, step.to, 'outcome' in step ? step.outcome : undefined);
    }
  }

  watchAttempt(attemptId: string, listener: (c: AttemptChange) => void) {
    this.bus.on(attemptId, listener);
    return () => this.bus.off(attemptId, listener);
  }
  takeIssuedAppPassword(attemptId: string) {
    const v = this.issued.get(attemptId);
    this.issued.delete(attemptId);
    return v;
  }
  async createAppPassword(userId: string, name: string) {
    const password = randomBytes(8).toString('hex').match(/.{4}/g)!.join('-');
    const id = randomBytes(8).toString('hex');
    this.db
      .insert(appPasswords)
      .values({ id, userId, name, hash: createHash('sha256').update(password).digest('hex') })
      .run();
    return { id, name, password };
  }
  async revokeAppPassword(userId: string, id: string) {
    const r = this.db
      .update(appPasswords)
      .set({ revokedAt: Date.now() })
      .where(and(eq(appPasswords.id, id), eq(appPasswords.userId, userId)))
      .run();
    if (r.changes === 0) throw problem(404, 'not-found', 'no such app password');
  }
}
