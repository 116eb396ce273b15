/**
 * What the RADIUS door needs from the rest of fyrkant, as narrow interfaces: the composition root
 * adapts the verification service, the user store, LDAP and the audit log to them, and unit tests
 * substitute fakes (with a fake clock) without a socket or a phone.
 */
import type { Localized } from '../domain/language';

/** A fyrkant user as the door sees it. */
export interface DoorUser {
  readonly id: string;
  readonly username: string;
  /** BCP 47 tag; the Reply-Message is in this language. */
  readonly language: string;
  /** The phone that will be called asks for a PIN (pin-verify script) rather than just '#'. */
  readonly pinMode: boolean;
}

export interface UserDirectory {
  findByUsername(username: string): DoorUser | undefined;
}

/** How a verification chain (first call, backup phone) ended. */
export interface VerificationEnd {
  /** The attempt that decided (the last of the chain). */
  readonly attemptId: string;
  /** A call outcome (`approved`, `fraud`, `busy`, …). */
  readonly outcome: string;
  readonly reasonCode: string | null;
}

export type StartedVerification =
  | {
      readonly status: 'started';
      readonly attemptId: string;
      /** Settles when the chain has ended; never rejects. */
      readonly result: Promise<VerificationEnd>;
      /** Stops the call in progress (the answer timed out). */
      cancel(): void;
    }
  | {
      /** No call: blocked user, no verified phone, destination policy or rate limit. */
      readonly status: 'refused';
      readonly attemptId: string | null;
      readonly outcome: string;
      readonly reasonCode: string;
    }
  | {
      /**
       * This node takes no new calls (it is draining). Nothing was recorded; the door stays silent so
       * the NAS, after its retransmissions, asks its other RADIUS server (RFC 2865 §2.4: a server that
       * does not answer is treated as down) — an Access-Reject would deny a sign-in another node can do.
       */
      readonly status: 'unavailable';
      readonly reasonCode: string;
    };

export interface SignInVerifier {
  start(request: { readonly userId: string; readonly requestedBy: string }): StartedVerification;
}

export type PasswordCheck = 'ok' | 'wrong' | { readonly error: string };

export interface PasswordChecker {
  check(username: string, password: string): Promise<PasswordCheck>;
}

export interface RadiusClock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const SYSTEM_CLOCK: RadiusClock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => {
    const t = setTimeout(callback, delayMs);
    t.unref();
    return t;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export type { Localized };
