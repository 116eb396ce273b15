/**
 * Second line of defence against toll fraud: every backend the app hands out dials only with a
 * decision the destination policy issued and still holds open (its lease not yet released). A caller
 * that skipped the policy, reused an old decision or made one up gets a `policy` failure and no
 * INVITE leaves the process. The adapters themselves only check that a decision id is present.
 */
import { DialFailure, type TelephonyBackend } from '../telephony/port';

export function policyGuardedBackend(
  backend: TelephonyBackend,
  isAuthorized: (decisionId: string) => boolean,
): TelephonyBackend {
  return {
    name: backend.name,
    start: () => backend.start(),
    stop: () => backend.stop(),
    health: (options) => backend.health(options),
    setAvailability: (availability, options) => backend.setAvailability(availability, options),
    dial(request, signal, hooks) {
      if (!isAuthorized(request.policyDecisionId)) {
        return Promise.reject(
          new DialFailure(
            'policy',
            `refusing to dial ${request.requestUri}: destination-policy decision '${request.policyDecisionId}' is unknown or already used`,
          ),
        );
      }
      return backend.dial(request, signal, hooks);
    },
  };
}
