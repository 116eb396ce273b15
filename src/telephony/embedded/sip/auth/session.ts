/**
 * Retry policy for one request chain (an INVITE and its authenticated re-sends, or a REGISTER):
 * answer a 401/407 once; answer again only when the server says the nonce was stale (once);
 * anything else means the credentials are wrong — never loop.
 */
import type { SipResponse } from '../message';
import { pickChallenge, unsupportedChallengeReason } from './challenge';
import { buildAuthorization } from './digest';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export type AuthDecision =
  | { readonly action: 'retry'; readonly header: 'Authorization' | 'Proxy-Authorization'; readonly value: string }
  | {
      readonly action: 'fail';
      readonly reason: string;
      /** The challenge is one we cannot answer (qop=auth-int only, unknown algorithm), not a wrong password. */
      readonly unsupported?: boolean;
    };

export class DigestSession {
  private answered = 0;
  private staleRetried = false;
  private readonly nonceCounts = new Map<string, number>();

  constructor(private readonly credentials: Credentials | undefined) {}

  respond(challengeResponse: SipResponse, method: string, uri: string): AuthDecision {
    const proxy = challengeResponse.status === 407;
    const values = challengeResponse.getAll(proxy ? 'proxy-authenticate' : 'www-authenticate');
    if (!this.credentials) return { action: 'fail', reason: 'authentication required but no credentials configured' };
    const challenge = pickChallenge(values);
    if (!challenge) return { action: 'fail', reason: unsupportedChallengeReason(values), unsupported: true };
    if (this.answered > 0) {
      if (!challenge.stale || this.staleRetried) {
        return {
          action: 'fail',
          reason: `credentials rejected (${challengeResponse.status} ${challengeResponse.reason})`,
        };
      }
      this.staleRetried = true;
    }
    this.answered++;
    const nc = (this.nonceCounts.get(challenge.nonce) ?? 0) + 1;
    this.nonceCounts.set(challenge.nonce, nc);
    const value = buildAuthorization({ challenge, ...this.credentials, method, uri, nc });
    return { action: 'retry', header: proxy ? 'Proxy-Authorization' : 'Authorization', value };
  }

  /** A success resets the "already answered" count (REGISTER refreshes are new chains). */
  reset(): void {
    this.answered = 0;
    this.staleRetried = false;
  }
}
