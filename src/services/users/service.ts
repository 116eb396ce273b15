/**
 * Users and their phone methods, as the API and the web UI change them. Numbers are parsed and
 * checked against the destination policy before they are stored: a number that may never be called
 * is refused here (422 with the reason code), long before anything could dial it.
 */

import { checkDisplayName, checkUsername } from '../../domain/identity-text';
import { DEFAULT_SCRYPT, hashSecret, type ScryptParams } from '../../domain/secrets/slow-hash';
import { checkUserLanguage } from '../../domain/user-language';
import {
  addPhoneMethod,
  audit,
  createBypass,
  createEnrollmentLink,
  createUser,
  deletePhoneMethod,
  deleteUser,
  getPhoneMethod,
  getUser,
  getUserByUsername,
  listPhoneMethods,
  type Store,
  setDefaultPhoneMethod,
  updatePhoneMethod,
  updateUser,
} from '../../store';
import type { BypassRow, PhoneMethodRow, UserRow } from '../../store/schema';
import type { Texts } from '../verification/ports';
import {
  applyEntraFields,
  checkEntraFields,
  type EntraFields,
  type EntraProblem,
  hasEntraFields,
} from './entra-identity';
import type { PhoneInput, PhonePort } from './phone-port';

export type PhoneMethodKind = PhoneMethodRow['kind'];

export interface FieldProblem {
  readonly field: string;
  readonly code: string;
  readonly message: Texts;
  /** A destination-policy refusal (the API also reports its code as `reasonCode`). */
  readonly policy?: boolean;
}

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: 'not-found'; readonly what: string }
  | { readonly ok: false; readonly error: 'conflict'; readonly message: Texts }
  | { readonly ok: false; readonly error: 'invalid'; readonly problems: readonly FieldProblem[] };

/** Entra identity problems as the service's outcome: a taken identity is a conflict, the rest invalid. */
function entraOutcome(problems: readonly EntraProblem[]): Outcome<never> {
  const taken = problems.find((p) => p.code === 'taken');
  if (taken) return { ok: false, error: 'conflict', message: taken.message };
  return {
    ok: false,
    error: 'invalid',
    problems: problems.map((p) => ({ field: p.field, code: p.code, message: p.message })),
  };
}

const notFound = (what: string) => ({ ok: false, error: 'not-found', what }) as const;
const invalid = (...problems: FieldProblem[]) => ({ ok: false, error: 'invalid', problems }) as const;

export interface UserSettings {
  readonly enrollmentLinkTtlMs: number;
  readonly bypassTtlMs: number;
  /** Base URL the enrollment page is served under, e.g. `https://mfa.example.com`. */
  readonly publicBaseUrl: string;
  /** Cost of PIN hashes. */
  readonly scrypt?: ScryptParams;
  /** The configured `languages`: a user's language must be one of them (unset: any BCP 47 tag). */
  readonly languages?: readonly string[];
}

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly phones: PhonePort,
    private readonly settings: UserSettings,
  ) {}

  create(
    input: { username: string; displayName?: string; language?: string } & EntraFields,
    actor: string,
  ): Outcome<UserRow> {
    const name = checkUsername(input.username);
    const display = checkDisplayName(input.displayName ?? '');
    const textProblems = [
      ...(name.ok ? [] : [{ field: 'username', code: name.code, message: name.message }]),
      ...(display.ok ? [] : [{ field: 'displayName', code: display.code, message: display.message }]),
    ];
    if (textProblems.length > 0 || !name.ok || !display.ok) return invalid(...textProblems);
    const username = name.value;
    if (getUserByUsername(this.store.db, username))
      return {
        ok: false,
        error: 'conflict',
        message: {
          sv: `Användarnamnet ${username} finns redan.`,
          en: `The username ${username} already exists.`,
        },
      };
    const { entraTenantId, entraObjectId, upn, ...rest } = input;
    const language = this.language(rest.language);
    if (!language.ok) return language.outcome;
    const fields = {
      ...rest,
      username,
      displayName: display.value,
      ...(language.value ? { language: language.value } : {}),
    };
    const entra = { entraTenantId, entraObjectId, upn };
    const problems = checkEntraFields(this.store, undefined, entra);
    if (problems.length) return entraOutcome(problems);
    const user = this.store.db.transaction(() => {
      const u = createUser(this.store.db, fields);
      audit(this.store.db, { actor, action: 'user.create', target: `user:${u.id}`, detail: { username: u.username } });
      applyEntraFields(this.store, u.id, entra, actor);
      return u;
    });
    return { ok: true, value: user };
  }

  update(
    id: string,
    input: { displayName?: string; language?: string; blockedUntil?: number | null } & EntraFields,
    actor: string,
  ): Outcome<UserRow> {
    if (!getUser(this.store.db, id)) return notFound('user');
    const { entraTenantId, entraObjectId, upn, ...rest } = input;
    const language = this.language(rest.language);
    if (!language.ok) return language.outcome;
    const patch = { ...rest, ...(language.value ? { language: language.value } : {}) };
    if (patch.displayName !== undefined) {
      const display = checkDisplayName(patch.displayName);
      if (!display.ok) return invalid({ field: 'displayName', code: display.code, message: display.message });
      patch.displayName = display.value;
    }
    const entra = { entraTenantId, entraObjectId, upn };
    const problems = checkEntraFields(this.store, id, entra);
    if (problems.length) return entraOutcome(problems);
    const user = this.store.db.transaction(() => {
      applyEntraFields(this.store, id, entra, actor);
      if (Object.keys(patch).length === 0 && hasEntraFields(entra)) return updateUser(this.store.db, id, {});
      const u = updateUser(this.store.db, id, patch);
      const action =
        patch.blockedUntil === undefined ? 'user.update' : patch.blockedUntil === null ? 'user.unblock' : 'user.block';
      audit(this.store.db, { actor, action, target: `user:${id}`, detail: { ...patch } });
      return u;
    });
    return { ok: true, value: user };
  }

  /** The configured spelling of `tag`, or the field problem when it is not a configured language. */
  private language(
    tag: string | undefined,
  ): { ok: true; value: string | undefined } | { ok: false; outcome: Outcome<never> } {
    if (tag === undefined || !this.settings.languages) return { ok: true, value: tag };
    const check = checkUserLanguage(tag, this.settings.languages);
    if (check.ok) return { ok: true, value: check.value };
    return { ok: false, outcome: invalid({ field: 'language', code: check.code, message: check.message }) };
  }

  remove(id: string, actor: string): boolean {
    return this.store.db.transaction(() => {
      const u = getUser(this.store.db, id);
      if (!u || !deleteUser(this.store.db, id)) return false;
      audit(this.store.db, { actor, action: 'user.delete', target: `user:${id}`, detail: { username: u.username } });
      return true;
    });
  }

  private parseChecked(input: PhoneInput): Outcome<Extract<ReturnType<PhonePort['parse']>, { ok: true }>> {
    const parsed = this.phones.parse(input);
    if (!parsed.ok) return invalid({ field: parsed.field, code: parsed.code, message: parsed.message });
    const decision = this.phones.destination(parsed);
    if (!decision.allowed)
      return invalid({ field: 'number', code: decision.reasonCode, message: decision.message, policy: true });
    return { ok: true, value: parsed };
  }

  async addPhoneMethod(
    userId: string,
    input: PhoneInput & { kind: PhoneMethodKind; pin?: string | null },
    actor: string,
  ): Promise<Outcome<PhoneMethodRow>> {
    if (!getUser(this.store.db, userId)) return notFound('user');
    const parsed = this.parseChecked(input);
    if (!parsed.ok) return parsed;
    const pinHash = input.pin ? await hashSecret(input.pin, this.settings.scrypt ?? DEFAULT_SCRYPT) : null;
    const method = this.store.db.transaction(() => {
      const m = addPhoneMethod(this.store.db, {
        userId,
        kind: input.kind,
        country: parsed.value.country,
        e164: parsed.value.e164,
        extension: parsed.value.extension,
        pinHash,
      });
      audit(this.store.db, {
        actor,
        action: 'phone-method.add',
        target: `user:${userId}`,
        detail: { methodId: m.id, kind: m.kind, e164: m.e164, extension: m.extension, pin: pinHash !== null },
      });
      return m;
    });
    return { ok: true, value: method };
  }

  async updatePhoneMethod(
    userId: string,
    methodId: string,
    patch: { isDefault?: boolean; number?: string; country?: string; extension?: string | null; pin?: string | null },
    actor: string,
  ): Promise<Outcome<PhoneMethodRow>> {
    const method = getPhoneMethod(this.store.db, methodId);
    if (!method || method.userId !== userId) return notFound('phone method');
    let numberPatch: { e164?: string; country?: string; extension?: string | null } = {};
    if (patch.number !== undefined || patch.country !== undefined || patch.extension !== undefined) {
      const parsed = this.parseChecked({
        number: patch.number ?? method.e164,
        country: patch.country ?? method.country,
        extension: patch.extension === undefined ? method.extension : patch.extension,
      });
      if (!parsed.ok) return parsed;
      numberPatch = { e164: parsed.value.e164, country: parsed.value.country, extension: parsed.value.extension };
    }
    const reVerify =
      numberPatch.e164 !== undefined &&
      (numberPatch.e164 !== method.e164 || numberPatch.extension !== method.extension);
    if (patch.isDefault && (reVerify || method.verifiedAt === null))
      return invalid({
        field: 'isDefault',
        code: 'not-verified',
        message: {
          sv: 'Bara en verifierad telefon kan vara standard.',
          en: 'Only a verified phone can be the default.',
        },
      });
    const pinHash =
      patch.pin === undefined
        ? undefined
        : patch.pin === null
          ? null
          : await hashSecret(patch.pin, this.settings.scrypt ?? DEFAULT_SCRYPT);
    const updated = this.store.db.transaction(() => {
      let m = updatePhoneMethod(this.store.db, methodId, {
        ...numberPatch,
        ...(pinHash !== undefined ? { pinHash } : {}),
      });
      // A changed number is unverified again; it cannot stay the default until re-verified.
      if (reVerify && m.isDefault) {
        this.store.sqlite.prepare('UPDATE phone_methods SET is_default = 0 WHERE id = ?').run(methodId);
        m = getPhoneMethod(this.store.db, methodId)!;
      }
      if (patch.isDefault) m = setDefaultPhoneMethod(this.store.db, methodId);
      audit(this.store.db, {
        actor,
        action: 'phone-method.update',
        target: `user:${userId}`,
        detail: {
          methodId,
          ...numberPatch,
          isDefault: patch.isDefault ?? null,
          pinChanged: pinHash !== undefined,
          reVerify,
        },
      });
      return m;
    });
    return { ok: true, value: updated };
  }

  removePhoneMethod(userId: string, methodId: string, actor: string): boolean {
    const method = getPhoneMethod(this.store.db, methodId);
    if (!method || method.userId !== userId) return false;
    return this.store.db.transaction(() => {
      deletePhoneMethod(this.store.db, methodId);
      // Keep a default if the user still has a verified phone.
      if (method.isDefault) {
        const next = listPhoneMethods(this.store.db, userId).find((m) => m.verifiedAt !== null);
        if (next) setDefaultPhoneMethod(this.store.db, next.id);
      }
      audit(this.store.db, {
        actor,
        action: 'phone-method.remove',
        target: `user:${userId}`,
        detail: { methodId, e164: method.e164 },
      });
      return true;
    });
  }

  createEnrollmentLink(userId: string, actor: string): Outcome<{ url: string; expiresAt: number; id: string }> {
    if (!getUser(this.store.db, userId)) return notFound('user');
    const { row, token } = this.store.db.transaction(() => {
      const r = createEnrollmentLink(this.store.db, {
        userId,
        createdBy: actor,
        ttlMs: this.settings.enrollmentLinkTtlMs,
      });
      audit(this.store.db, {
        actor,
        action: 'enrollment-link.create',
        target: `user:${userId}`,
        detail: { linkId: r.row.id, expiresAt: r.row.expiresAt },
      });
      return r;
    });
    const base = this.settings.publicBaseUrl.replace(/\/+$/, '');
    return { ok: true, value: { id: row.id, url: `${base}/enroll/${token}`, expiresAt: row.expiresAt } };
  }

  createBypass(userId: string, reason: string | null, ttlMs: number | undefined, actor: string): Outcome<BypassRow> {
    if (!getUser(this.store.db, userId)) return notFound('user');
    const row = this.store.db.transaction(() => {
      const b = createBypass(this.store.db, {
        userId,
        createdBy: actor,
        reason,
        ttlMs: ttlMs ?? this.settings.bypassTtlMs,
      });
      audit(this.store.db, {
        actor,
        action: 'bypass.create',
        target: `user:${userId}`,
        detail: { bypassId: b.id, expiresAt: b.expiresAt, reason },
      });
      return b;
    });
    return { ok: true, value: row };
  }
}
