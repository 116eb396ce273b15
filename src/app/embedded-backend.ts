/**
 * Config → the embedded backend's options (SIP core + media). The adapter never sees the config
 * module; this is the one place that knows both shapes.
 */
import { availableParallelism } from 'node:os';
import type { Config } from '../config/schema';
import { createEmbeddedBackend, type EmbeddedBackend } from '../telephony/embedded/backend';
import {
  createSipSignalling,
  type SipCoreOptions,
  type SipLogger,
  type SipSignalling,
} from '../telephony/embedded/sip';

export function sipCoreOptions(config: Config): SipCoreOptions {
  const s = config.sip;
  const t = s.trunk;
  // Without a trunk only sip: URIs are dialled (routed by their host); the core still wants a trunk
  // URI for OPTIONS/REGISTER, which then simply points at the outbound proxy or ourselves.
  const trunkUri = t.uri ?? t.outboundProxy ?? `sip:${s.address}:${s.port}`;
  return {
    listen: { host: s.address, port: s.port },
    transport: s.transport,
    timers: { t1: s.timers.t1Ms, t2: s.timers.t2Ms, t4: s.timers.t4Ms },
    userAgent: s.userAgent,
    maxMessageSize: s.maxMessageSize,
    limits: s.limits,
    ...(s.advertisedAddress ? { contactHost: s.advertisedAddress } : {}),
    trunk: {
      uri: trunkUri,
      ...(t.outboundProxy ? { outboundProxy: t.outboundProxy } : {}),
      ...(t.username ? { username: t.username } : {}),
      ...(t.password ? { password: t.password } : {}),
      fromUser: t.callerId ?? t.fromUser,
      ...(t.domain ? { fromDomain: t.domain } : {}),
      ...(t.displayName ? { displayName: t.displayName } : {}),
      ...(t.pAssertedIdentity ? { pAssertedIdentity: t.pAssertedIdentity } : {}),
      ...(t.register.enabled ? { register: { expires: t.register.expiresSeconds } } : {}),
      ...(t.keepaliveSeconds > 0 && t.uri ? { keepaliveIntervalMs: t.keepaliveSeconds * 1000 } : {}),
    },
  };
}

/** The SIP stack of each embedded backend made here, for its counters on /metrics. */
const sipStacks = new WeakMap<object, SipSignalling>();

/** The SIP stack's counters of a backend made by `embeddedBackendFromConfig` (undefined for others). */
export function sipStatsOf(backend: object): (() => Readonly<Record<string, number>>) | undefined {
  const sip = sipStacks.get(backend);
  if (!sip) return undefined;
  const media = backend as EmbeddedBackend;
  return () => {
    const m = media.mediaStats();
    // Media worker health rides along (issue 20): a dead worker ends its calls and is restarted.
    return {
      ...sip.stats(),
      mediaWorkers: m.workers,
      mediaWorkerRestarts: m.workerRestarts,
      mediaWorkerHangs: m.workerHangs,
      mediaCallsLostToWorkerFailure: m.callsLostToWorkerFailure,
    };
  };
}

/** `logger` receives the SIP core's own log lines (pino fits `SipLogger`); silent when absent. */
export function embeddedBackendFromConfig(config: Config, logger?: SipLogger): EmbeddedBackend {
  const m = config.media;
  const signalling = createSipSignalling(sipCoreOptions(config), logger);
  const backend = createEmbeddedBackend({
    signalling,
    media: {
      address: m.address,
      ...(m.advertisedAddress ? { advertisedAddress: m.advertisedAddress } : {}),
      rtpPortMin: m.rtpPortMin,
      rtpPortMax: m.rtpPortMax,
      codecs: m.codecs,
      rtpSource: m.rtpSource,
      srtp: config.sip.trunk.srtp,
      workers: m.workers === 'auto' ? availableParallelism() : m.workers,
      workerHangMs: m.workerHangMs,
    },
    dtmf: {
      receiveModes: m.dtmf.receiveModes,
      sendMode: m.dtmf.sendMode,
      toneMs: m.dtmf.toneMs,
      gapMs: m.dtmf.gapMs,
      inbandDetection: m.inbandDtmf,
    },
    ...(logger ? { logger } : {}),
  });
  sipStacks.set(backend, signalling);
  return backend;
}
