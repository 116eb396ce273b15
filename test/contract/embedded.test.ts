/**
 * The telephony-port contract suite on the embedded backend (fyrkant's own SIP/RTP stack) against
 * real peers: sipp as the PBX/phone's signalling and a test-owned RTP socket as its media.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBackend } from '../../src/telephony/embedded/backend';
import { PromptCache } from '../../src/telephony/embedded/media/prompts';
import { createSipSignalling } from '../../src/telephony/embedded/sip';
import type { PromptAudio } from '../../src/telephony/port';
import { freePort } from '../support/ports';
import { type SippFarEnd, startSippFarEnd } from './sipp-far-end';
import { type ContractHarness, describeTelephonyPortContract } from './telephony-port';
import { writeTonePrompt } from './tone-prompt';

async function embeddedHarness(workers: number): Promise<ContractHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-contract-embedded-'));
  const credentials = { username: 'fyrkant', password: 'trunk-secret' };
  const signalling = createSipSignalling({
    listen: { host: '127.0.0.1', port: 0 },
    transport: 'udp',
    timers: { t1: 100, t2: 400, t4: 500 },
    trunk: { uri: `sip:127.0.0.1:${await freePort()}`, fromUser: 'fyrkant', ...credentials },
  });
  const base = await freePort();
  const prompts = new PromptCache();
  const backend = createEmbeddedBackend({
    signalling,
    prompts,
    media: { address: '127.0.0.1', rtpPortMin: base, rtpPortMax: base + 200, workers },
  });
  await backend.start();
  const farEnds = new Set<SippFarEnd>();
  return {
    backend,
    credentials,
    async farEnd(script) {
      const far = await startSippFarEnd(script);
      farEnds.add(far);
      return far;
    },
    async prompt(durationMs: number): Promise<PromptAudio> {
      const audio = writeTonePrompt(dir, durationMs);
      await prompts.get(audio, 'PCMU');
      return audio;
    },
    async assertClean() {
      const deadline = Date.now() + 3000;
      while (backend.activeCalls > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(backend.activeCalls).toBe(0);
      await Promise.all([...farEnds].map((f) => f.stop()));
      farEnds.clear();
    },
    async close() {
      await Promise.all([...farEnds].map((f) => f.stop()));
      await backend.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeTelephonyPortContract('embedded backend + sipp', () => embeddedHarness(0));
// The same contract with media on worker threads (issue 20; the config default).
describeTelephonyPortContract('embedded backend, media on 2 worker threads + sipp', () => embeddedHarness(2));
