/**
 * A site configuration for `fyrkant call` in tests: SIP on a free port, RTP from a free range,
 * sip: URIs allowed, short ring timeout, data and prompt cache in temp dirs.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports';

export interface CallConfigOptions {
  readonly dir: string;
  /** Shared between calls of one test file so TTS renders once. */
  readonly promptCacheDir: string;
  readonly allowSipUriDial?: boolean;
  readonly ringTimeoutSeconds?: number;
  readonly trunk?: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
}

export async function writeCallConfig(o: CallConfigOptions): Promise<string> {
  const rtp = await freePort();
  const site = {
    dataDir: join(o.dir, 'data'),
    defaultLanguage: 'en-US',
    database: { path: join(o.dir, 'data', 'fyrkant.db') },
    telephony: { allowSipUriDial: o.allowSipUriDial ?? true, ringTimeoutSeconds: o.ringTimeoutSeconds ?? 5 },
    sip: { address: '127.0.0.1', port: 0, trunk: { keepaliveSeconds: 0, ...(o.trunk ?? {}) } },
    media: { address: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: Math.min(65534, rtp + 400) },
    ivr: { scriptsDir: resolve(__dirname, '..', '..', 'ivr-scripts'), promptCacheDir: o.promptCacheDir },
    ...(o.extra ?? {}),
  };
  const file = join(o.dir, `site-${rtp}.yaml`);
  writeFileSync(file, stringify(site));
  return file;
}
