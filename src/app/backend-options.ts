/**
 * Config → the drachtio adapter's options (the embedded backend's are in `embedded-backend.ts`).
 * The adapters never import the config module (they can be tested and embedded alone).
 * Typed against the adapters' own option interfaces, so a change there fails to compile here.
 */
import type { Config } from '../config/schema';
import type { DrachtioBackendOptions } from '../telephony/drachtio';
import { trunkHost } from './domain-options';

/** Drops null/undefined fields so optional adapter options stay absent instead of `null`. */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as never;
}

export function drachtioOptions(config: Config): Omit<DrachtioBackendOptions, 'log'> {
  const d = config.drachtio;
  const t = config.sip.trunk;
  const fs = d.freeswitch;
  const host = trunkHost(config);
  return {
    drachtio: { host: d.host, port: d.port, secret: d.secret ?? '' },
    freeswitch: {
      address: fs.address,
      port: fs.port,
      // Required by the config schema when the drachtio backend is selected: never fall back to a
      // well-known default password (the mrf image sets its own with --password).
      secret: fs.secret ?? '',
      listenAddress: fs.listenAddress,
      listenPort: fs.listenPort,
      profile: fs.profile,
      ...defined({ advertisedAddress: fs.advertisedAddress, advertisedPort: fs.advertisedPort }),
    },
    trunk: {
      // Like the embedded backend: only an explicit outbound proxy overrides routing by the request
      // URI's host (the dial plan already puts the trunk's host there; sip: URIs go where they say).
      ...defined({ proxy: t.outboundProxy, probeUri: t.uri }),
      ...(t.username && t.password ? { auth: { username: t.username, password: t.password } } : {}),
      ...(host ? { from: { user: t.callerId ?? t.fromUser, host, ...defined({ displayName: t.displayName }) } } : {}),
      ...(t.pAssertedIdentity ? { headers: { 'P-Asserted-Identity': t.pAssertedIdentity } } : {}),
    },
    media: {
      srtp: config.media.srtp,
      codecs: config.media.codecs,
      dtmfSend: config.media.dtmf.sendMode,
      promptDirLocal: d.promptPathMapping.localDir ?? config.ivr.promptCacheDir,
      promptDirRemote: d.promptPathMapping.remoteDir ?? d.promptPathMapping.localDir ?? config.ivr.promptCacheDir,
      inbandDtmf: config.media.inbandDtmf,
    },
  };
}
