/**
 * The embedded backend's SIP signalling core. `createSipSignalling(options)` gives the `Signalling`
 * the media layer builds on. Layers (RFC 3261): message → transport → transaction → dialog → auth → ua.
 */

import { DEFAULT_SIP_LIMITS } from './limits';
import type { SipLogger } from './logger';
import { silentLogger } from './logger';
import { parseUri } from './message';
import { DEFAULT_MAX_MESSAGE_SIZE, type SipCoreOptions } from './options';
import { DEFAULT_TIMERS } from './transaction';
import { SipCore } from './ua/core';
import type { TrunkIdentity } from './ua/invite-client';
import { Trunk } from './ua/trunk';
import { SipSignalling } from './ua/user-agent';

export type { SipLimits } from './limits';
export { DEFAULT_SIP_LIMITS } from './limits';
export type { SipLogger } from './logger';
export type { SipCoreOptions, SipTrunkOptions } from './options';
export type { RegistrationState, Trunk, TrunkHealth } from './ua/trunk';
export { SipSignalling } from './ua/user-agent';

export function createSipSignalling(options: SipCoreOptions, logger: SipLogger = silentLogger): SipSignalling {
  const trunkUri = parseUri(options.trunk.uri);
  if (trunkUri?.kind !== 'sip') throw new Error(`trunk uri must be a sip: URI, got '${options.trunk.uri}'`);
  const limits = { ...DEFAULT_SIP_LIMITS, ...options.limits };
  const core = new SipCore(
    {
      listenHost: options.listen.host,
      listenPort: options.listen.port,
      contactHost: options.contactHost ?? options.listen.host,
      transport: options.transport,
      timers: { ...DEFAULT_TIMERS, ...options.timers },
      userAgent: options.userAgent ?? undefined,
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      rateLimit: options.rateLimit ?? { perSecond: limits.requestsPerSecond, burst: limits.requestBurst },
      limits,
    },
    logger,
  );
  const t = options.trunk;
  const identity: TrunkIdentity = {
    fromUser: t.fromUser,
    fromDomain: t.fromDomain ?? (trunkUri.port ? `${trunkUri.host}:${trunkUri.port}` : trunkUri.host),
    ...(t.displayName ? { displayName: t.displayName } : {}),
    ...(t.pAssertedIdentity ? { pAssertedIdentity: t.pAssertedIdentity } : {}),
    ...(t.outboundProxy ? { outboundProxy: t.outboundProxy } : {}),
    ...(t.username && t.password !== undefined ? { credentials: { username: t.username, password: t.password } } : {}),
    ...(options.sessionExpires ? { sessionExpires: options.sessionExpires } : {}),
  };
  const trunk = new Trunk(core, identity, {
    uri: t.uri,
    ...(t.register ? { register: t.register } : {}),
    ...(t.keepaliveIntervalMs ? { keepaliveIntervalMs: t.keepaliveIntervalMs } : {}),
  });
  return new SipSignalling(core, identity, trunk, logger);
}
