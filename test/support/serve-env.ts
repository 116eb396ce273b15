/**
 * The environment for a `fyrkant serve` child in a temp dir: its own data dir and database, HTTP on
 * port 0, free SIP and RTP ports, no trunk keep-alive. `extra` adds or overrides variables.
 */
import { join } from 'node:path';
import { freeEvenPortPair, freePort } from './ports';

export async function serveEnv(dir: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const rtp = await freeEvenPortPair();
  return {
    FYRKANT_DATA_DIR: join(dir, 'data'),
    FYRKANT_DATABASE__PATH: join(dir, 'data', 'fyrkant.db'),
    FYRKANT_IVR__PROMPT_CACHE_DIR: join(dir, 'data', 'prompts'),
    FYRKANT_HTTP__PORT: '0',
    FYRKANT_SIP__PORT: String(await freePort()),
    FYRKANT_MEDIA__RTP_PORT_MIN: String(rtp),
    FYRKANT_MEDIA__RTP_PORT_MAX: String(rtp + 1),
    FYRKANT_SIP__TRUNK__KEEPALIVE_SECONDS: '0',
    ...extra,
  };
}
