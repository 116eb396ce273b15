/**
 * What the verification service asks of the node it runs on (issue 19; implemented by
 * src/services/nodes/node-service.ts). Optional: without it (unit tests, `fyrkant call`) every
 * attempt is the process's own and calls are always taken.
 */
import type { Texts } from './ports';

/** Why this node takes no new call now (it is draining). */
export interface CallRefusal {
  readonly reasonCode: string;
  readonly message: Texts;
  readonly retryAfterMs: number;
}

export interface CallOwnership {
  /** Asked before anything is recorded for a new call (the one rule for every path that places one). */
  refusal(): CallRefusal | undefined;
  /** A new attempt becomes this node's; called inside the transaction that creates it. */
  own(attemptId: string): void;
  /** Right before the INVITE: false = another node has taken the attempt over (it ended it); do not dial. */
  confirm(attemptId: string): boolean;
  /** The unfinished attempts this node owns: a stop ends exactly these, never another node's. */
  ownedUnfinished(): readonly string[];
}
