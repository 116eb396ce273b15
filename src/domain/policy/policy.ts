/**
 * The destination policy: the one gate every call passes before anything is dialled.
 * `evaluate` answers "may this be called at all" (no side effects, e.g. when a phone method is added);
 * `authorize` also takes the rate limits and, when allowed, returns a decision id and a lease that
 * holds a concurrent-call slot until released. The limits are counted in a `RateLimitLedger` given
 * to it (in memory by default; the database's when several nodes share one). Backends receive the
 * decision id with the dial request and can ask `isAuthorized` as a second line of defence.
 */
import { randomUUID } from 'node:crypto';
import type { Localized } from '../language';
import { checkDestination, type Destination, type DestinationRules, destinationKey } from './destination';
import type { Lease, RateLimitLedger, RateLimits } from './rate-limit-ledger';
import { RateLimiter } from './rate-limiter';
import { type AllowReason, type DenyReason, policyMessage } from './reasons';

export type PolicyDecision =
  | {
      readonly id: string;
      readonly allow: true;
      readonly reason: AllowReason;
      readonly message: Localized;
      readonly destination: string;
      readonly at: number;
      readonly lease: Lease;
    }
  | {
      readonly id: string;
      readonly allow: false;
      readonly reason: DenyReason;
      readonly message: Localized;
      readonly destination: string;
      readonly at: number;
      /** For rate-limit denials: when a new call could pass (HTTP Retry-After). */
      readonly retryAfterMs?: number;
    };

/** A decision without side effects (no lease): for validation and `fyrkant numbers parse`. */
export type PolicyEvaluation = {
  readonly allow: boolean;
  readonly reason: AllowReason | DenyReason;
  readonly message: Localized;
  readonly destination: string;
};

export interface PolicyOptions extends DestinationRules {
  readonly rateLimits: RateLimits;
}

/** What the policy is given: where it counts (default: in this process's memory) and its clock. */
export interface PolicyDeps {
  /** The rate-limit ledger; `fyrkant serve` passes the database's, shared by every node. */
  readonly ledger?: RateLimitLedger;
  readonly clock?: () => number;
}

export class DestinationPolicy {
  private readonly limiter: RateLimitLedger;
  private readonly clock: () => number;
  private readonly open = new Map<string, Lease>();

  constructor(
    private readonly options: PolicyOptions,
    deps: PolicyDeps = {},
  ) {
    this.limiter = deps.ledger ?? new RateLimiter(options.rateLimits);
    this.clock = deps.clock ?? Date.now;
  }

  /** Calls holding a concurrent slot through this policy (this node). */
  get activeCalls(): number {
    return this.limiter.active;
  }

  evaluate(destination: Destination): PolicyEvaluation {
    const check = checkDestination(destination, this.options);
    return {
      allow: check.allow,
      reason: check.reason as AllowReason | DenyReason,
      message: policyMessage(check.reason, check.detail),
      destination: destinationKey(destination),
    };
  }

  authorize(destination: Destination, who: { readonly userId?: string | null } = {}): PolicyDecision {
    const at = this.clock();
    const id = randomUUID();
    const key = destinationKey(destination);
    const check = checkDestination(destination, this.options);
    if (!check.allow)
      return {
        id,
        allow: false,
        reason: check.reason as DenyReason,
        message: policyMessage(check.reason, check.detail),
        destination: key,
        at,
      };
    const got = this.limiter.acquire({ userId: who.userId ?? null, number: key }, at);
    if (!got.ok)
      return {
        id,
        allow: false,
        reason: got.reason,
        message: policyMessage(got.reason),
        destination: key,
        at,
        retryAfterMs: got.retryAfterMs,
      };
    const open = this.open;
    const inner = got.lease;
    const lease: Lease = {
      id: inner.id,
      get released() {
        return inner.released;
      },
      release() {
        inner.release();
        open.delete(id);
      },
    };
    open.set(id, lease);
    return {
      id,
      allow: true,
      reason: check.reason as AllowReason,
      message: policyMessage(check.reason, check.detail),
      destination: key,
      at,
      lease,
    };
  }

  /** True while `decisionId` is an allow decision whose lease has not been released. */
  isAuthorized(decisionId: string): boolean {
    return this.open.has(decisionId);
  }
}
