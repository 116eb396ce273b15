/**
 * The domain's number parser, destination policy and dial plan behind the service ports
 * (`PhonePort` for storing numbers, `CallPlanner` for placing calls). The policy object is the
 * process-wide one, so rate limits and call slots are counted in one place.
 */
import { type DialPlanOptions, planDial } from '../../domain/dialplan';
import { parsePhone } from '../../domain/phone/parse';
import { type DestinationPolicy, isRateLimit } from '../../domain/policy';
import type { PhonePort } from '../users/phone-port';
import type { CallPlan, CallPlanner, CallTarget, DestinationCheck } from '../verification/ports';

export function phonePort(policy: DestinationPolicy): PhonePort {
  return {
    parse(input) {
      const r = parsePhone(input.number, { country: input.country, extension: input.extension ?? null });
      if (!r.ok) return { ok: false, field: r.field, code: r.code, message: r.message };
      return {
        ok: true,
        e164: r.e164,
        country: r.country ?? input.country.toUpperCase(),
        extension: r.extension,
        type: r.type,
        national: r.national,
      };
    },
    destination(parsed) {
      const e = policy.evaluate({
        kind: 'phone',
        phone: { e164: parsed.e164, country: parsed.country, type: parsed.type },
      });
      return e.allow ? { allowed: true } : { allowed: false, reasonCode: e.reason, message: e.message };
    },
  };
}

/**
 * Parsing is a pure function of the stored number, country and extension, and the most expensive
 * step from `POST /api/v1/verifications` to the INVITE (libphonenumber-js, twice per call: check and
 * plan). The results are remembered; the policy is still evaluated on every call, so a config change
 * applies at once.
 */
const parseCache = new Map<string, ReturnType<typeof parsePhone>>();
const PARSED_MAX = 10_000;

function reparse(target: CallTarget) {
  const key = `${target.e164}\u0000${target.country}\u0000${target.extension ?? ''}`;
  let r = parseCache.get(key);
  if (!r) {
    r = parsePhone(target.e164, { country: target.country, extension: target.extension });
    if (parseCache.size >= PARSED_MAX) parseCache.clear();
    parseCache.set(key, r);
  }
  return r;
}

/** A number typed for a test call that does not parse: the parser's own words (what was wrong, what to do). */
function unparsable(target: CallTarget, parsed: { readonly message: { sv: string; en: string } }) {
  return target.phoneMethodId === null
    ? ({ allowed: false, reasonCode: 'invalid-number', message: parsed.message } as const)
    : UNPARSABLE;
}

const UNPARSABLE = {
  allowed: false,
  reasonCode: 'invalid-number',
  message: {
    sv: 'Det sparade numret går inte längre att tolka; ange det igen.',
    en: 'The stored number can no longer be parsed; enter it again.',
  },
} as const;

export class PolicyCallPlanner implements CallPlanner {
  constructor(
    private readonly policy: DestinationPolicy,
    private readonly dialPlan: DialPlanOptions,
  ) {}

  check(target: CallTarget): DestinationCheck {
    // Stored numbers are re-parsed on every call: a config change (blocked types, countries) applies at once.
    if (target.sipUri !== undefined) {
      const e = this.policy.evaluate({ kind: 'sip-uri', uri: target.sipUri });
      return e.allow ? { allowed: true } : { allowed: false, reasonCode: e.reason, message: e.message };
    }
    const parsed = reparse(target);
    if (!parsed.ok) return unparsable(target, parsed);
    const e = this.policy.evaluate({ kind: 'phone', phone: parsed });
    return e.allow ? { allowed: true } : { allowed: false, reasonCode: e.reason, message: e.message };
  }

  plan(target: CallTarget): CallPlan {
    if (target.sipUri !== undefined) return this.planSipUri(target, target.sipUri);
    const parsed = reparse(target);
    if (!parsed.ok) return { ...unparsable(target, parsed), kind: 'policy' };
    const d = this.policy.authorize({ kind: 'phone', phone: parsed }, { userId: target.userId });
    if (!d.allow)
      return {
        allowed: false,
        kind: isRateLimit(d.reason) ? 'rate-limit' : 'policy',
        reasonCode: d.reason,
        message: d.message,
        ...(d.retryAfterMs !== undefined ? { retryAfterMs: d.retryAfterMs } : {}),
      };
    const plan = planDial(parsed, this.dialPlan);
    if (!plan.ok) {
      d.lease.release();
      return {
        allowed: false,
        kind: 'policy',
        reasonCode: `dial-plan-${plan.code}`,
        message: {
          sv: `Uppringningsplanen är felaktig: ${plan.message}`,
          en: `The dial plan is wrong: ${plan.message}`,
        },
      };
    }
    this.leases.set(d.id, d.lease);
    return {
      allowed: true,
      decisionId: d.id,
      requestUri: plan.requestUri,
      postAnswerDigits: plan.postAnswer?.digits ?? '',
    };
  }

  /** A sip: URI goes on the wire as given (no dial plan); the policy still decides and counts it. */
  private planSipUri(target: CallTarget, uri: string): CallPlan {
    const d = this.policy.authorize({ kind: 'sip-uri', uri }, { userId: target.userId });
    if (!d.allow)
      return {
        allowed: false,
        kind: isRateLimit(d.reason) ? 'rate-limit' : 'policy',
        reasonCode: d.reason,
        message: d.message,
        ...(d.retryAfterMs !== undefined ? { retryAfterMs: d.retryAfterMs } : {}),
      };
    this.leases.set(d.id, d.lease);
    return { allowed: true, decisionId: d.id, requestUri: uri, postAnswerDigits: target.extension ?? '' };
  }

  private readonly leases = new Map<string, { release(): void }>();

  release(decisionId: string): void {
    this.leases.get(decisionId)?.release();
    this.leases.delete(decisionId);
  }
}
