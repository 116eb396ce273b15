/**
 * What the web UI needs from the rest of fyrkant. The UI holds no rules of its own: every operation
 * here is a thin call into the verification service, the app-password and enrollment-link services and
 * the store (wired in `./wiring.ts`). Keeping the list explicit makes the UI testable and shows at a
 * glance which service calls a page can make.
 *
 * Errors: services throw errors carrying `status` (HTTP-like: 404, 409, 422, 429) and `code`; 422s
 * may carry per-field messages in both languages and 429s a retry delay (see `./service-error.ts`).
 */
import type { AttemptPurpose } from '../domain/attempt-state';
import type { CountryOption } from '../domain/phone/countries';
import type { Attempt } from '../store/repo/attempts';
import type { BackendHealth, TraceEvent } from '../telephony/port';
import type { UiLanguage } from './i18n';

export type PhoneKind = 'office' | 'mobile' | 'alternate';

export type { CountryOption } from '../domain/phone/countries';

export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly language: string;
  readonly blockedUntil: number | null;
}

export interface PhoneMethodView {
  readonly id: string;
  readonly kind: PhoneKind;
  readonly country: string;
  readonly e164: string;
  /** Formatted for people, e.g. `+46 8 123 456 78`. */
  readonly display: string;
  readonly extension: string | null;
  readonly verifiedAt: number | null;
  readonly isDefault: boolean;
}

export interface AppPasswordView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export interface PhoneInput {
  readonly kind: PhoneKind;
  readonly country: string;
  readonly number: string;
  readonly extension?: string;
}

/** A live update about one attempt, already committed to the database. */
export interface AttemptChange {
  readonly attemptId: string;
  readonly state: string;
  readonly outcome?: string | null;
  /** Set when a retry or backup call continues this attempt under a new id. */
  readonly nextAttemptId?: string;
}

export interface ScriptDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export interface ScriptPromptView {
  /** Key used in the preview URL. */
  readonly id: string;
  readonly name: string;
  readonly language: string;
  readonly text?: string;
}

export interface ScriptView {
  readonly id: string;
  readonly file: string;
  /** Content hash of the current version (what attempts record as `scriptHash`). */
  readonly version: string;
  readonly diagnostics: readonly ScriptDiagnostic[];
  readonly prompts: readonly ScriptPromptView[];
}

export interface AdminPrincipal {
  readonly keyId: string;
  readonly name: string;
}

/** A node (fyrkant serve) in the node registry, as the dashboard shows it (issue 19). */
export interface NodeView {
  readonly id: string;
  readonly status: 'running' | 'draining' | 'stopped' | 'lost';
  readonly activeCalls: number;
  readonly httpUrl: string | null;
  readonly sipAddress: string | null;
  readonly startedAt: number;
  readonly heartbeatAt: number;
}

export interface OutcomeCount {
  /** Start of the bucket (ms since epoch). */
  readonly bucketStart: number;
  readonly outcome: string;
  readonly count: number;
}

/**
 * The operations that carry rules (validation, destination policy, rate limits, hashing, audit):
 * implemented by the service layer, never by the UI. `createWebServices` adds the read side.
 */
export type WebActions = Pick<
  WebServices,
  | 'verifyAdminKey'
  | 'redeemEnrollmentLink'
  | 'createEnrollmentLink'
  | 'createUser'
  | 'blockUser'
  | 'createBypass'
  | 'addPhoneMethod'
  | 'updatePhoneMethod'
  | 'removePhoneMethod'
  | 'startCall'
  | 'callAgain'
  | 'watchAttempt'
  | 'takeIssuedAppPassword'
  | 'createAppPassword'
  | 'revokeAppPassword'
>;

/** The RADIUS door as the admin page shows it (clients without their secrets, latest requests). */
export interface RadiusOverview {
  readonly enabled: boolean;
  readonly listening: string | null;
  readonly clients: readonly {
    readonly name: string;
    readonly address: string;
    readonly mode: 'second-factor' | 'password-then-call' | 'challenge';
    readonly allowedUsers: readonly string[];
    readonly requireMessageAuthenticator: boolean;
    readonly secretSource: string;
  }[];
  readonly recent: readonly {
    readonly at: number;
    readonly client: string;
    readonly source: string;
    readonly username: string | null;
    readonly answer: string;
    readonly reason: string;
    readonly attemptId: string | null;
    readonly userId: string | null;
    readonly outcome: string | null;
    readonly nas: string | null;
  }[];
}

export interface WebServices {
  // --- languages and numbers
  countries(lang: UiLanguage): readonly CountryOption[];
  /** Home country (config), preselected in the form. */
  readonly defaultCountry: string;

  // --- identities
  /** An admin-scoped API key, or undefined (unknown, revoked, or not admin). */
  verifyAdminKey(key: string): Promise<AdminPrincipal | undefined>;
  /** Consumes a single-use enrollment link; the user it was for, or undefined. */
  redeemEnrollmentLink(token: string): Promise<{ readonly userId: string } | undefined>;
  createEnrollmentLink(userId: string, actor: string): Promise<{ readonly url: string; readonly expiresAt: number }>;

  // --- users
  getUser(userId: string): UserView | undefined;
  findUsers(search: string, limit: number): readonly UserView[];
  createUser(input: { username: string; displayName: string; language: string }, actor: string): Promise<UserView>;
  blockUser(userId: string, until: number | null, actor: string): Promise<void>;
  createBypass(userId: string, minutes: number, actor: string): Promise<{ readonly expiresAt: number }>;

  // --- phone methods (validation, policy and rate limits live in the service)
  listPhoneMethods(userId: string): readonly PhoneMethodView[];
  addPhoneMethod(userId: string, input: PhoneInput, lang: UiLanguage, actor: string): Promise<PhoneMethodView>;
  updatePhoneMethod(
    userId: string,
    methodId: string,
    patch: Partial<PhoneInput> & { readonly isDefault?: boolean },
    lang: UiLanguage,
    actor: string,
  ): Promise<PhoneMethodView>;
  removePhoneMethod(userId: string, methodId: string, actor: string): Promise<void>;
  /** Places the call (enrollment = verify the method; test = a test call). */
  startCall(
    userId: string,
    methodId: string,
    purpose: Extract<AttemptPurpose, 'enrollment' | 'test'>,
    lang: UiLanguage,
    actor: string,
  ): Promise<{ readonly attemptId: string }>;

  /**
   * "Call me again" on an attempt of `userId`: never a second chain — the chain's running call, or
   * its waiting retry placed now, or (the chain has ended) a new call to the same phone.
   */
  callAgain(
    userId: string,
    attemptId: string,
    purpose: Extract<AttemptPurpose, 'enrollment' | 'test'>,
    lang: UiLanguage,
    actor: string,
  ): Promise<{ readonly attemptId: string }>;

  // --- attempts
  getAttempt(attemptId: string): Attempt | undefined;
  /** The latest attempt of the chain (retries, backup phone) `attemptId` starts or belongs to. */
  latestOfChain(attemptId: string): Attempt | undefined;
  listAttempts(filter: {
    userId?: string;
    outcome?: string;
    purpose?: string;
    since?: number;
    scriptHash?: string;
    limit: number;
  }): readonly Attempt[];
  attemptTrace(attemptId: string): readonly TraceEvent[];
  /** Live changes of one attempt; returns the unsubscribe function. */
  watchAttempt(attemptId: string, listener: (change: AttemptChange) => void): () => void;
  /** The app password issued when this enrollment attempt verified the method (once; then undefined). */
  takeIssuedAppPassword(attemptId: string): { readonly name: string; readonly password: string } | undefined;

  // --- app passwords
  listAppPasswords(userId: string): readonly AppPasswordView[];
  createAppPassword(
    userId: string,
    name: string,
    actor: string,
  ): Promise<{ readonly id: string; readonly name: string; readonly password: string }>;
  revokeAppPassword(userId: string, id: string, actor: string): Promise<void>;

  // --- operations
  outcomeCounts(since: number, bucketMs: number): readonly OutcomeCount[];
  activeAttempts(): readonly Attempt[];
  health(): Promise<BackendHealth | undefined>;
  scripts(): Promise<readonly ScriptView[]>;
  /** Rendered WAV of one prompt for the preview, or undefined. */
  promptAudio(scriptId: string, promptId: string): Promise<Buffer | undefined>;
  /** The RADIUS door's clients and recent requests (absent: not wired, shown as off). */
  radius?(): RadiusOverview;
  /** issue 19: the node registry (absent: not wired, the dashboard leaves the card out). */
  nodes?(): readonly NodeView[];
}
