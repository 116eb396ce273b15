/**
 * The Entra External Authentication Method door: takes an authorization request, checks it (client,
 * redirect, id_token_hint, replay), links the user, starts a sign-in verification through the
 * verification service's public API (so destination policy, rate limits, retries and the backup
 * phone apply as for any sign-in), follows the call and answers Entra with an id_token or
 * `access_denied`. Nothing is called unless every check passed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Logger } from 'pino';
import type { AttemptBus } from '../../services/verification/attempt-bus';
import type { StartResult, VerificationService } from '../../services/verification/service';
import type { Store } from '../../store';
import { getAttempt, listPhoneMethods } from '../../store';
import type { Attempt } from '../../store/repo/attempts';
import { audit } from '../../store/repo/audit';
import type { EamRequestRow, UserRow } from '../../store/schema';
import { AMR, checkAuthorizeRequest, type Refusal, type ValidRequest } from './authorize-request';
import type { EntraHintVerifier, HintClaims } from './entra-hint';
import { describeOutcome, TIMEOUT_DESCRIPTION } from './outcome-description';
import {
  finishEamRequest,
  getEamRequest,
  insertEamRequest,
  markAnswered,
  pendingEamRequests,
  updateEamRequest,
  userByObjectId,
  userByUpn,
} from './repo';
import type { EamSettings } from './settings';
import type { SigningKeys } from './signing-keys';

export interface EamDeps {
  readonly store: Store;
  readonly verification: Pick<VerificationService, 'start' | 'cancel'>;
  readonly bus: AttemptBus;
  readonly hints: Pick<EntraHintVerifier, 'verify'>;
  readonly keys: Pick<SigningKeys, 'signingKey'>;
  readonly settings: EamSettings;
  readonly log: Logger;
  readonly now?: () => number;
}

export type AuthorizeResult =
  | { readonly kind: 'refused'; readonly refusal: Refusal; readonly user?: UserRow }
  | { readonly kind: 'calling'; readonly requestId: string; readonly browserSecret: string };

/** What the waiting page shows: the request, and the attempt being followed. */
export interface EamView {
  readonly request: EamRequestRow;
  readonly attempt?: Attempt;
  readonly final: boolean;
  readonly hasBackupPhone: boolean;
  readonly callsLeft: number;
}

/** The form fyrkant posts back to Entra. */
export interface EamResponse {
  readonly uri: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly approved: boolean;
}

export type CallAgainResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'not-calling' | 'no-calls-left' | 'no-backup' | 'refused';
      readonly detail?: string;
    };

function hash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export class EamService {
  private readonly now: () => number;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: EamDeps) {
    this.now = deps.now ?? Date.now;
    this.unsubscribe = deps.bus.subscribe('*', (u) => {
      if (u.type === 'continued') this.followContinuation(u.attemptId, u.nextAttemptId);
      else if (u.type === 'state' && u.state === 'ended') this.settleByAttempt(u.attemptId);
    });
  }

  get settings(): EamSettings {
    return this.deps.settings;
  }

  /** Start-up: arm the timeouts of requests a previous run left calling (settle those already past). */
  resume(): void {
    for (const r of pendingEamRequests(this.deps.store.db)) {
      this.settle(r.id);
      this.armTimer(r.id, r.expiresAt);
    }
  }

  stop(): void {
    this.unsubscribe();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  async authorize(params: Readonly<Record<string, string | undefined>>, lang: string): Promise<AuthorizeResult> {
    const checked = checkAuthorizeRequest(params, this.deps.settings);
    if (!checked.ok) return this.refuse(checked.refusal);
    const req = checked.req;
    const at = this.now();
    const hint = await this.deps.hints.verify(req.idTokenHint, req.client, at);
    if (!hint.ok)
      return this.refuse(
        denied(
          req,
          'hint-invalid',
          `${hint.code}: ${hint.detail}`,
          hint.code === 'entra-keys-unavailable' ? 'temporarily_unavailable' : 'access_denied',
        ),
      );
    const user = this.linkUser(hint.claims);
    const browserSecret = randomBytes(32).toString('base64url');
    const row = insertEamRequest(this.deps.store.db, {
      browserHash: hash(browserSecret),
      clientId: req.client.clientId,
      redirectUri: req.redirectUri,
      state: req.state,
      nonce: req.nonce,
      hintSub: hint.claims.sub,
      tenantId: hint.claims.tid,
      objectId: hint.claims.oid,
      preferredUsername: hint.claims.preferredUsername ?? null,
      clientRequestId: req.clientRequestId,
      userId: user?.id ?? null,
      attemptId: null,
      lang,
      acr: req.acr,
      createdAt: at,
      expiresAt: at + this.deps.settings.timeoutMs,
    });
    if (!row)
      return this.refuse(
        denied(req, 'replayed', 'this state or nonce was already used: the request is a replay', 'invalid_request'),
      );
    if (!user) {
      finishEamRequest(
        this.deps.store.db,
        row.id,
        { status: 'denied', error: 'access_denied', errorDescription: 'The user is not enrolled for phone sign-in' },
        at,
      );
      markAnswered(this.deps.store.db, row.id, at);
      return this.refuse(
        denied(req, 'unknown-user', `no fyrkant user is linked to tenant ${hint.claims.tid} object ${hint.claims.oid}`),
        row,
      );
    }
    const started = this.deps.verification.start({
      userId: user.id,
      purpose: 'sign-in',
      requestedBy: `entra:${req.client.clientId}`,
    });
    const problem = startProblem(started);
    if (problem) {
      finishEamRequest(
        this.deps.store.db,
        row.id,
        { status: 'denied', error: 'access_denied', errorDescription: problem.description },
        at,
      );
      markAnswered(this.deps.store.db, row.id, at);
      if ('attempt' in started) updateEamRequest(this.deps.store.db, row.id, { attemptId: started.attempt.id });
      return this.refuse(denied(req, problem.code, problem.detail), row, user);
    }
    const attempt = (started as Extract<StartResult, { attempt: Attempt }>).attempt;
    updateEamRequest(this.deps.store.db, row.id, { attemptId: attempt.id, calls: 1 });
    this.deps.log.info(
      { eamRequest: row.id, attemptId: attempt.id, clientId: req.client.clientId },
      'EAM sign-in: calling',
    );
    this.armTimer(row.id, row.expiresAt);
    this.settle(row.id);
    return { kind: 'calling', requestId: row.id, browserSecret };
  }

  private refuse(refusal: Refusal, row?: EamRequestRow, user?: UserRow): AuthorizeResult {
    this.deps.log.warn({ code: refusal.code, detail: refusal.detail, eamRequest: row?.id }, 'EAM sign-in refused');
    audit(this.deps.store.db, {
      actor: row ? `entra:${row.clientId}` : 'entra',
      action: 'eam.sign-in.refused',
      target: user ? `user:${user.id}` : row ? `entra:${row.tenantId}/${row.objectId}` : null,
      detail: {
        code: refusal.code,
        detail: refusal.detail,
        ...(row
          ? {
              eamRequestId: row.id,
              clientRequestId: row.clientRequestId,
              attemptId: getEamRequest(this.deps.store.db, row.id)?.attemptId ?? null,
            }
          : {}),
      },
      at: this.now(),
    });
    return { kind: 'refused', refusal, ...(user ? { user } : {}) };
  }

  private linkUser(c: HintClaims): UserRow | undefined {
    const db = this.deps.store.db;
    const byOid = userByObjectId(db, c.tid, c.oid);
    if (byOid) return byOid;
    if (this.deps.settings.userLinking === 'object-id-then-upn' && c.preferredUsername)
      return userByUpn(db, c.preferredUsername);
    return undefined;
  }

  /** Calls `fn` on every update of the request's attempts (current and earlier ones). */
  watch(id: string, fn: () => void): () => void {
    const seen = new Set<string>();
    return this.deps.bus.subscribe('*', (u) => {
      const r = getEamRequest(this.deps.store.db, id);
      if (r?.attemptId) seen.add(r.attemptId);
      if (seen.has(u.attemptId)) fn();
    });
  }

  /** The request if this browser holds its cookie. */
  request(id: string, browserSecret: string | undefined): EamRequestRow | undefined {
    const r = getEamRequest(this.deps.store.db, id);
    if (!r || !browserSecret) return undefined;
    const a = Buffer.from(r.browserHash, 'hex');
    const b = Buffer.from(hash(browserSecret), 'hex');
    return a.length === b.length && timingSafeEqual(a, b) ? r : undefined;
  }

  view(id: string, browserSecret: string | undefined): EamView | undefined {
    if (!this.request(id, browserSecret)) return undefined;
    this.settle(id);
    const r = getEamRequest(this.deps.store.db, id) as EamRequestRow;
    const attempt = r.attemptId ? getAttempt(this.deps.store.db, r.attemptId) : undefined;
    const methods = r.userId ? listPhoneMethods(this.deps.store.db, r.userId).filter((m) => m.verifiedAt !== null) : [];
    const current = attempt?.phoneMethodId;
    return {
      request: r,
      ...(attempt ? { attempt } : {}),
      final: r.status !== 'calling',
      hasBackupPhone: methods.some((m) => m.id !== current),
      callsLeft: Math.max(0, this.deps.settings.maxCalls - r.calls),
    };
  }

  /** "Call me again" (same phone) or "use my backup phone": stops the current call, places a new one. */
  callAgain(id: string, browserSecret: string | undefined, which: 'same' | 'backup'): CallAgainResult {
    const r = this.request(id, browserSecret);
    if (r?.status !== 'calling' || !r.userId) return { ok: false, reason: 'not-calling' };
    if (r.calls >= this.deps.settings.maxCalls) return { ok: false, reason: 'no-calls-left' };
    const db = this.deps.store.db;
    const current = r.attemptId ? getAttempt(db, r.attemptId) : undefined;
    const verified = listPhoneMethods(db, r.userId).filter((m) => m.verifiedAt !== null);
    const method =
      which === 'same'
        ? (verified.find((m) => m.id === current?.phoneMethodId) ?? verified.find((m) => m.isDefault) ?? verified[0])
        : (verified.find((m) => m.id !== current?.phoneMethodId && !m.isDefault) ??
          verified.find((m) => m.id !== current?.phoneMethodId));
    if (!method) return { ok: false, reason: which === 'backup' ? 'no-backup' : 'refused' };
    // Follow the new attempt first, so the old one's `cancelled` end is not taken as the result.
    const previous = r.attemptId;
    const started = this.deps.verification.start({
      userId: r.userId,
      purpose: 'sign-in',
      methodId: method.id,
      requestedBy: `entra:${r.clientId}`,
    });
    const problem = startProblem(started);
    if (problem) return { ok: false, reason: 'refused', detail: problem.detail };
    const attempt = (started as Extract<StartResult, { attempt: Attempt }>).attempt;
    updateEamRequest(db, id, { attemptId: attempt.id, calls: r.calls + 1 });
    if (previous) this.deps.verification.cancel(previous);
    audit(db, {
      actor: `entra:${r.clientId}`,
      action: which === 'same' ? 'eam.call-again' : 'eam.backup-phone',
      target: `user:${r.userId}`,
      detail: { eamRequestId: id, attemptId: attempt.id, previousAttemptId: previous },
      at: this.now(),
    });
    this.settle(id);
    return { ok: true };
  }

  /** The response form for a finished request, exactly once (the id_token is minted here). */
  async respond(
    id: string,
    browserSecret: string | undefined,
  ): Promise<EamResponse | 'not-final' | 'already-answered' | undefined> {
    const r = this.request(id, browserSecret);
    if (!r) return undefined;
    this.settle(id);
    const cur = getEamRequest(this.deps.store.db, id) as EamRequestRow;
    if (cur.status === 'calling') return 'not-final';
    if (cur.status === 'answered') return 'already-answered';
    const at = this.now();
    let fields: Record<string, string>;
    if (cur.status === 'approved') {
      fields = { id_token: await this.idToken(cur, at), state: cur.state };
    } else {
      fields = {
        error: cur.error ?? 'access_denied',
        error_description: cur.errorDescription ?? 'The sign-in was not approved',
        state: cur.state,
      };
    }
    if (!markAnswered(this.deps.store.db, id, at)) return 'already-answered';
    return { uri: cur.redirectUri, fields, approved: cur.status === 'approved' };
  }

  /** The answer for a refusal with a trusted redirect. */
  static refusalResponse(refusal: Refusal): EamResponse | undefined {
    const r = refusal.redirect;
    if (!r) return undefined;
    return {
      uri: r.uri,
      fields: {
        error: r.error,
        error_description: r.description.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, ' '),
        ...(r.state ? { state: r.state } : {}),
      },
      approved: false,
    };
  }

  private async idToken(r: EamRequestRow, at: number): Promise<string> {
    const { kid, key } = await this.deps.keys.signingKey(at);
    const iat = Math.floor(at / 1000);
    return new SignJWT({ nonce: r.nonce, acr: r.acr, amr: [AMR] })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(this.deps.settings.issuer)
      .setAudience(r.clientId)
      .setSubject(r.hintSub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.deps.settings.idTokenLifetimeS)
      .sign(key);
  }

  // --- following the call

  private armTimer(id: string, expiresAt: number): void {
    if (this.timers.has(id)) return;
    const t = setTimeout(
      () => {
        this.timers.delete(id);
        this.settle(id);
      },
      Math.max(0, expiresAt - this.now()) + 50,
    );
    t.unref();
    this.timers.set(id, t);
  }

  private followContinuation(prevAttemptId: string, nextAttemptId: string): void {
    const r = this.byAttempt(prevAttemptId);
    if (r && r.status === 'calling') updateEamRequest(this.deps.store.db, r.id, { attemptId: nextAttemptId });
  }

  private byAttempt(attemptId: string): EamRequestRow | undefined {
    return pendingEamRequests(this.deps.store.db).find((r) => r.attemptId === attemptId);
  }

  private settleByAttempt(attemptId: string): void {
    const r = this.byAttempt(attemptId);
    if (r) this.settle(r.id);
  }

  /** Decides a calling request from its attempt chain and the clock; idempotent. */
  settle(id: string): void {
    const db = this.deps.store.db;
    const r = getEamRequest(db, id);
    if (r?.status !== 'calling') return;
    const at = this.now();
    let attempt = r.attemptId ? getAttempt(db, r.attemptId) : undefined;
    // A retry or backup call continues the chain under a new id.
    for (let i = 0; attempt?.nextAttemptId && i < 10; i++) {
      const next = getAttempt(db, attempt.nextAttemptId);
      if (!next) break;
      attempt = next;
    }
    if (attempt && attempt.id !== r.attemptId) updateEamRequest(db, id, { attemptId: attempt.id });
    if (at >= r.expiresAt) {
      if (attempt && attempt.state !== 'ended') this.deps.verification.cancel(attempt.id);
      this.finish(
        r,
        { status: 'denied', error: 'access_denied', errorDescription: TIMEOUT_DESCRIPTION },
        attempt,
        'timeout',
      );
      return;
    }
    if (attempt?.state !== 'ended' || attempt.retryDueAt !== null) return;
    if (attempt.outcome === 'approved') this.finish(r, { status: 'approved' }, attempt, 'approved');
    else
      this.finish(
        r,
        { status: 'denied', error: 'access_denied', errorDescription: describeOutcome(attempt.outcome) },
        attempt,
        attempt.outcome ?? 'failed',
      );
  }

  private finish(
    r: EamRequestRow,
    result: { status: 'approved' | 'denied'; error?: string; errorDescription?: string },
    attempt: Attempt | undefined,
    outcome: string,
  ): void {
    const db = this.deps.store.db;
    const at = this.now();
    const done = db.transaction(() => {
      if (!finishEamRequest(db, r.id, result, at)) return false;
      audit(db, {
        actor: `entra:${r.clientId}`,
        action: result.status === 'approved' ? 'eam.sign-in.approved' : 'eam.sign-in.denied',
        target: r.userId ? `user:${r.userId}` : null,
        detail: {
          eamRequestId: r.id,
          attemptId: attempt?.id ?? null,
          outcome,
          tenantId: r.tenantId,
          objectId: r.objectId,
          clientRequestId: r.clientRequestId,
          calls: r.calls,
        },
        at,
      });
      return true;
    });
    if (!done) return;
    clearTimeout(this.timers.get(r.id));
    this.timers.delete(r.id);
    this.deps.log.info({ eamRequest: r.id, attemptId: attempt?.id, outcome }, 'EAM sign-in finished');
    // Wake the waiting page (its stream follows the request's attempt).
    if (attempt) this.deps.bus.publish({ type: 'state', attemptId: attempt.id, state: attempt.state, at });
  }
}

function denied(
  req: ValidRequest,
  code: Refusal['code'],
  detail: string,
  error: NonNullable<Refusal['redirect']>['error'] = 'access_denied',
): Refusal {
  return { code, detail, redirect: { uri: req.redirectUri, state: req.state, error, description: detail } };
}

function startProblem(s: StartResult): { code: Refusal['code']; detail: string; description: string } | undefined {
  switch (s.status) {
    case 'queued':
      return undefined;
    case 'bypassed':
      return undefined;
    case 'not-found':
      return {
        code: 'unknown-user',
        detail: `the ${s.what} was not found`,
        description: 'The user is not enrolled for phone sign-in',
      };
    case 'no-method':
      return { code: 'no-phone', detail: s.message.en, description: 'The user has no verified phone' };
    case 'unavailable':
      // This node is draining (issue 19): no call; the user signs in again through another node.
      return {
        code: 'call-refused',
        detail: `${s.reasonCode} - ${s.message.en}`,
        description: 'The phone sign-in service is restarting; please try again in a moment',
      };
    case 'denied':
      return {
        code: 'call-refused',
        detail: `${s.kind}: ${s.reasonCode} - ${s.message.en}`,
        description:
          s.kind === 'blocked'
            ? 'The user is blocked from phone sign-in (for example after a fraud report)'
            : describeOutcome(s.kind === 'rate-limit' ? 'rate-limited' : 'policy-denied'),
      };
  }
}
