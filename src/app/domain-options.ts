/**
 * Config → the plain option objects the domain takes. The domain and the adapters never import the
 * config module; the composition root translates here.
 */
import type { Config } from '../config/schema';
import type { DialPlanOptions } from '../domain/dialplan';
import type { PolicyOptions } from '../domain/policy';

/** The host for `{host}` in the dial plan: the trunk's domain, else the host of its URI. */
export function trunkHost(config: Config): string | null {
  const t = config.sip.trunk;
  if (t.domain) return t.domain;
  const uri = t.uri ?? t.outboundProxy;
  if (!uri) return null;
  // sip:[user@]host[:port][;params] — the dial plan wants host[:port] without user or params.
  const m = /^sips?:(?:[^@;]*@)?(\[[^\]]+\]|[^:;?]+)(:\d+)?/.exec(uri);
  return m?.[1] ? `${m[1]}${m[2] ?? ''}` : null;
}

export function dialPlanOptions(config: Config): DialPlanOptions {
  return {
    requestUri: config.dialPlan.requestUri,
    outsideLinePrefix: config.dialPlan.outsideLinePrefix,
    host: trunkHost(config),
    preDelayMs: config.dialPlan.extension.preDelayMs,
    postDelayMs: config.dialPlan.extension.postDelayMs,
    internalRanges: config.dialPlan.internalRanges,
  };
}

export function policyOptions(config: Config): PolicyOptions {
  return {
    homeCountry: config.homeCountry,
    allowedCountries: config.policy.allowedCountries,
    blockedTypes: config.policy.blockedTypes,
    allowPrefixes: config.policy.allowPrefixes,
    denyPrefixes: config.policy.denyPrefixes,
    allowSipUriDial: config.telephony.allowSipUriDial,
    internalRanges: config.dialPlan.internalRanges,
    rateLimits: config.policy.rateLimits,
  };
}
