/**
 * What a RADIUS client's Access-Request means for fyrkant, per client mode: which user, whether the
 * password is checked first, whether the call is held (call then accept) or announced with an
 * Access-Challenge, and what the answer and its Reply-Message are. No sockets and no bytes here —
 * the server does those — so every mode is testable with fakes and a fake clock.
 */
import { randomBytes } from 'node:crypto';
import type { RadiusMode } from '../domain/radius/client-rules';
import { stripRealm } from '../domain/radius/client-rules';
import { type DoorReason, reasonOfOutcome, replyMessage } from './messages';
import type { AccessRequest, Answer } from './packet';
import type {
  DoorUser,
  PasswordChecker,
  RadiusClock,
  SignInVerifier,
  StartedVerification,
  UserDirectory,
  VerificationEnd,
} from './ports';

export interface DoorClient {
  readonly name: string;
  readonly mode: RadiusMode;
  /** fyrkant usernames this client may verify; `*` = all. */
  readonly allowedUsers: readonly string[];
  readonly stripRealm: boolean;
}

/** The answer and what the audit log and metrics need to know about it. */
export interface DoorResult {
  readonly answer: Answer;
  readonly reason: DoorReason;
  /** The username as fyrkant looked it up. */
  readonly username: string | null;
  readonly userId: string | null;
  readonly attemptId: string | null;
  /** The call outcome, when a call decided. */
  readonly outcome: string | null;
}

/** No answer at all: the server drops the request (counted), so the NAS asks another server. */
export interface DoorSilence {
  readonly silent: 'draining';
}

export interface DoorOptions {
  readonly users: UserDirectory;
  readonly verifier: SignInVerifier;
  /** Needed by `password-then-call` clients only. */
  readonly passwords?: PasswordChecker;
  readonly clock: RadiusClock;
  /** A request waits at most this long for the call's outcome, then Access-Reject (call cancelled). */
  readonly answerTimeoutMs: number;
  /** How long an Access-Challenge's State stays valid. */
  readonly challengeTtlMs: number;
  readonly defaultLanguage: string;
}

interface PendingChallenge {
  readonly client: string;
  readonly username: string;
  readonly user: DoorUser;
  readonly started: Extract<StartedVerification, { status: 'started' }>;
  readonly expiresAt: number;
}

type Resolved = { readonly user: DoorUser; readonly username: string } | { readonly refused: DoorResult };

export class RadiusDoor {
  private readonly challenges = new Map<string, PendingChallenge>();

  constructor(private readonly o: DoorOptions) {}

  async answer(client: DoorClient, request: AccessRequest): Promise<DoorResult | DoorSilence> {
    this.sweepChallenges();
    if (client.mode === 'challenge' && request.state) return this.completeChallenge(client, request, request.state);
    const who = this.resolveUser(client, request);
    if ('refused' in who) return who.refused;
    if (client.mode === 'password-then-call') {
      const refused = await this.checkPassword(who, request);
      if (refused) return refused;
    }
    const started = this.o.verifier.start({ userId: who.user.id, requestedBy: `radius:${client.name}` });
    if (started.status === 'unavailable') return { silent: 'draining' };
    if (started.status === 'refused')
      return this.reject(who, refusalReason(started.reasonCode, started.outcome), started.attemptId, started.outcome);
    if (client.mode === 'challenge') return this.challenge(client, who, started);
    return this.awaitEnd(who, started);
  }

  /** Challenges still waiting for their second request (for the admin page and tests). */
  get pendingChallenges(): number {
    return this.challenges.size;
  }

  private resolveUser(client: DoorClient, request: AccessRequest): Resolved {
    const sent = request.userName?.trim() ?? '';
    const username = client.stripRealm ? stripRealm(sent) : sent;
    const user = username ? this.o.users.findByUsername(username) : undefined;
    const allowed = client.allowedUsers.includes('*') || client.allowedUsers.includes(username);
    if (!user || !allowed) {
      const lang = user?.language ?? this.o.defaultLanguage;
      // Wrong password and unknown user read the same in password mode, so names cannot be probed.
      const reason: DoorReason = client.mode === 'password-then-call' ? 'wrong-password' : 'unknown-user';
      return {
        refused: {
          answer: { code: 'Access-Reject', replyMessage: replyMessage(reason, lang) },
          reason: 'unknown-user',
          username: username || null,
          userId: user?.id ?? null,
          attemptId: null,
          outcome: null,
        },
      };
    }
    return { user, username };
  }

  private async checkPassword(
    who: { user: DoorUser; username: string },
    request: AccessRequest,
  ): Promise<DoorResult | undefined> {
    if (!request.password) return this.reject(who, 'password-required', null, null);
    if (!this.o.passwords) return this.reject(who, 'directory-error', null, null);
    const r = await this.o.passwords.check(who.username, request.password);
    if (r === 'ok') return undefined;
    return this.reject(who, r === 'wrong' ? 'wrong-password' : 'directory-error', null, null);
  }

  private challenge(
    client: DoorClient,
    who: { user: DoorUser; username: string },
    started: Extract<StartedVerification, { status: 'started' }>,
  ): DoorResult {
    const state = randomBytes(16);
    this.challenges.set(state.toString('hex'), {
      client: client.name,
      username: who.username,
      user: who.user,
      started,
      expiresAt: this.o.clock.now() + this.o.challengeTtlMs,
    });
    const reason: DoorReason = who.user.pinMode ? 'challenge-pin' : 'challenge-press';
    return {
      answer: { code: 'Access-Challenge', state, replyMessage: replyMessage(reason, who.user.language) },
      reason,
      username: who.username,
      userId: who.user.id,
      attemptId: started.attemptId,
      outcome: null,
    };
  }

  private async completeChallenge(client: DoorClient, request: AccessRequest, state: Buffer): Promise<DoorResult> {
    const key = state.toString('hex');
    const pending = this.challenges.get(key);
    const sent = request.userName?.trim() ?? '';
    const username = client.stripRealm ? stripRealm(sent) : sent;
    // A State is only good for the client and user it was given to.
    if (!pending || pending.client !== client.name || pending.username !== username) {
      return {
        answer: { code: 'Access-Reject', replyMessage: replyMessage('challenge-expired', this.o.defaultLanguage) },
        reason: 'challenge-expired',
        username: username || null,
        userId: null,
        attemptId: null,
        outcome: null,
      };
    }
    const result = await this.awaitEnd(pending, pending.started);
    // Answered: the State is spent (a retransmission still gets this answer from the duplicate cache).
    this.challenges.delete(key);
    return result;
  }

  /** Holds the request until the call chain ends or the answer timeout; on timeout the call is stopped. */
  private async awaitEnd(
    who: { user: DoorUser; username: string },
    started: Extract<StartedVerification, { status: 'started' }>,
  ): Promise<DoorResult> {
    let timer: unknown;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = this.o.clock.setTimer(() => resolve('timeout'), this.o.answerTimeoutMs);
    });
    const end: VerificationEnd | 'timeout' = await Promise.race([started.result, timedOut]);
    this.o.clock.clearTimer(timer);
    if (end === 'timeout') {
      started.cancel();
      return this.reject(who, 'answer-timeout', started.attemptId, null);
    }
    const reason = reasonOfOutcome(end.outcome);
    if (reason === 'approved')
      return {
        answer: { code: 'Access-Accept', replyMessage: replyMessage('approved', who.user.language) },
        reason,
        username: who.username,
        userId: who.user.id,
        attemptId: end.attemptId,
        outcome: end.outcome,
      };
    return this.reject(who, reason, end.attemptId, end.outcome);
  }

  private reject(
    who: { user: DoorUser; username: string },
    reason: DoorReason,
    attemptId: string | null,
    outcome: string | null,
  ): DoorResult {
    return {
      answer: { code: 'Access-Reject', replyMessage: replyMessage(reason, who.user.language) },
      reason,
      username: who.username,
      userId: who.user.id,
      attemptId,
      outcome,
    };
  }

  private sweepChallenges(): void {
    const now = this.o.clock.now();
    for (const [k, c] of this.challenges) if (c.expiresAt <= now) this.challenges.delete(k);
  }
}

/** Why the service refused to place the call, as a door reason. */
function refusalReason(reasonCode: string, outcome: string): DoorReason {
  if (outcome === 'no-method') return 'no-phone';
  if (reasonCode === 'user-blocked') return 'blocked';
  if (outcome === 'rate-limited') return 'rate-limited';
  if (outcome === 'policy-denied') return 'policy';
  if (outcome === 'unknown-user') return 'unknown-user';
  return 'call-failed';
}
