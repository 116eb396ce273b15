/**
 * The door's ports on fyrkant's own parts: sign-in verifications through the verification service's
 * public API (start, cancel, the attempt bus), users from the store. A chain that continues with a
 * backup phone is followed to its end, like the API's event stream does.
 */
import type { AttemptBus } from '../services/verification/attempt-bus';
import type { VerificationService } from '../services/verification/service';
import {
  type Attempt,
  getAttempt,
  getDefaultPhoneMethod,
  getUserByUsername,
  listPhoneMethods,
  type Store,
} from '../store';
import type { DoorUser, SignInVerifier, StartedVerification, UserDirectory, VerificationEnd } from './ports';

export function storeUserDirectory(store: Store): UserDirectory {
  return {
    findByUsername(username: string): DoorUser | undefined {
      const user = getUserByUsername(store.db, username);
      if (!user) return undefined;
      // The phone the service will call first: the default one, else the first verified one.
      const method =
        getDefaultPhoneMethod(store.db, user.id) ?? listPhoneMethods(store.db, user.id).find((m) => m.verifiedAt);
      return { id: user.id, username: user.username, language: user.language, pinMode: method?.pinHash != null };
    },
  };
}

export function serviceVerifier(service: VerificationService, bus: AttemptBus, store: Store): SignInVerifier {
  return {
    start({ userId, requestedBy }): StartedVerification {
      const r = service.start({ userId, purpose: 'sign-in', requestedBy });
      switch (r.status) {
        case 'queued': {
          const chain = followChain(bus, store, r.attempt.id);
          return { status: 'started', attemptId: r.attempt.id, result: chain.end, cancel: chain.cancel(service) };
        }
        case 'bypassed':
          return {
            status: 'started',
            attemptId: r.attempt.id,
            result: Promise.resolve({ attemptId: r.attempt.id, outcome: 'approved', reasonCode: 'bypass' }),
            cancel: () => undefined,
          };
        case 'denied':
          return {
            status: 'refused',
            attemptId: r.attempt.id,
            outcome: r.attempt.outcome ?? 'policy-denied',
            reasonCode: r.reasonCode,
          };
        case 'no-method':
          return { status: 'refused', attemptId: null, outcome: 'no-method', reasonCode: 'no-method' };
        case 'not-found':
          return { status: 'refused', attemptId: null, outcome: 'unknown-user', reasonCode: `not-found:${r.what}` };
        case 'unavailable':
          // This node is draining (issue 19): no call, nothing recorded; the door stays silent.
          return { status: 'unavailable', reasonCode: r.reasonCode };
      }
    },
  };
}

/**
 * Resolves with the end of the chain that starts at `firstId`. The database is the truth and the bus
 * a doorbell: subscribe first, then read, so no change between the two is missed.
 */
function followChain(bus: AttemptBus, store: Store, firstId: string) {
  let current = firstId;
  let unsubscribe = () => {};
  const end = new Promise<VerificationEnd>((resolve) => {
    const check = () => {
      const a: Attempt | undefined = getAttempt(store.db, current);
      if (!a) {
        unsubscribe();
        resolve({ attemptId: current, outcome: 'failed', reasonCode: 'attempt-missing' });
        return;
      }
      if (a.state !== 'ended') return;
      if (a.nextAttemptId) return follow(a.nextAttemptId);
      if (a.retryDueAt !== null) return; // a backup call is about to be placed
      unsubscribe();
      resolve({ attemptId: a.id, outcome: a.outcome ?? 'failed', reasonCode: a.reasonCode });
    };
    const follow = (id: string) => {
      unsubscribe();
      current = id;
      unsubscribe = bus.subscribe(id, check);
      check();
    };
    follow(firstId);
  });
  return { end, cancel: (service: VerificationService) => () => void service.cancel(current) };
}
