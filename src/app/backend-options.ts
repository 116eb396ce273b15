/**
 * Config → the plain option objects the telephony adapters take. The adapters never import the
 * config module (they can be tested and embedded alone); this is the only place that knows both.
 * The shapes mirror the adapters' option interfaces (`SipCoreOptions`, `EmbeddedBackendOptions`,
 * `DrachtioBackendOptions`); the wiring in `backends.ts` type-checks them against the real ones.
 */
import type { Config } from '../config/schema';
import type { DtmfSource } from '../telephony/port';
import { trunkHost } from './domain-options';

/** Drops null/undefined fields so optional adapter options stay absent instead of `null`. */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as never;
}

export function sipCoreOptions(config: Config) {
  const s = config.sip;
  const t = s.trunk;
  return {
    listen: { host: s.address, port: s.port },
    transport: s.transport,
    timers: { t1: s.timers.t1Ms, t2: s.timers.t2Ms, t4: s.timers.t4Ms },
    userAgent: s.userAgent,
    maxMessageSize: s.maxMessageSize,
    ...defined({ contactHost: s.advertisedAddress }),
    trunk: {
      // Without a trunk the core still needs a target for OPTIONS; sip: URIs are dialled directly anyway.
      uri: t.uri ?? (t.outboundProxy ? t.outboundProxy : `sip:${s.address}`),
      fromUser: t.callerId ?? t.fromUser,
      ...defined({
        outboundProxy: t.outboundProxy,
        username: t.username,
        password: t.password,
        fromDomain: t.domain,
        displayName: t.displayName,
        pAssertedIdentity: t.pAssertedIdentity,
      }),
      ...(t.register.enabled ? { register: { expires: t.register.expiresSeconds } } : {}),
      ...(t.keepaliveSeconds > 0 ? { keepaliveIntervalMs: t.keepaliveSeconds * 1000 } : {}),
    },
  };
}

export function embeddedMediaOptions(config: Config) {
  const m = config.media;
  return {
    media: {
      address: m.address,
      rtpPortMin: m.rtpPortMin,
      rtpPortMax: m.rtpPortMax,
      ...defined({ advertisedAddress: m.advertisedAddress }),
    },
    dtmf: {
      receiveModes: m.dtmf.receiveModes as readonly DtmfSource[],
      sendMode: m.dtmf.sendMode,
      toneMs: m.dtmf.toneMs,
      gapMs: m.dtmf.gapMs,
    },
  };
}

export function drachtioOptions(config: Config) {
  const d = config.drachtio;
  const t = config.sip.trunk;
  const fs = d.freeswitch;
  const host = trunkHost(config);
  return {
    drachtio: { host: d.host, port: d.port, secret: d.secret ?? '' },
    freeswitch: {
      address: fs.address,
      port: fs.port,
      // FreeSWITCH's own default ESL password when none is configured.
      secret: fs.secret ?? 'ClueCon',
      listenAddress: fs.listenAddress,
      listenPort: fs.listenPort,
      profile: fs.profile,
      ...defined({ advertisedAddress: fs.advertisedAddress, advertisedPort: fs.advertisedPort }),
    },
    trunk: {
      ...defined({ proxy: t.outboundProxy ?? t.uri, probeUri: t.uri }),
      ...(t.username && t.password ? { auth: { username: t.username, password: t.password } } : {}),
      ...(host ? { from: { user: t.callerId ?? t.fromUser, host, ...defined({ displayName: t.displayName }) } } : {}),
      ...(t.pAssertedIdentity ? { headers: { 'P-Asserted-Identity': t.pAssertedIdentity } } : {}),
    },
    media: {
      promptDirLocal: d.promptPathMapping.localDir ?? config.ivr.promptCacheDir,
      promptDirRemote: d.promptPathMapping.remoteDir ?? d.promptPathMapping.localDir ?? config.ivr.promptCacheDir,
    },
  };
}
