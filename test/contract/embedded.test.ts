/**
 * The telephony-port contract suite on the embedded backend (fyrkant's own SIP/RTP stack) against
 * real peers: sipp as the PBX/phone's signalling and a test-owned RTP socket as its media.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WaveFile } from 'wavefile';
import { createEmbeddedBackend } from '../../src/telephony/embedded/backend';
import { PromptCache } from '../../src/telephony/embedded/media/prompts';
import { createSipSignalling } from '../../src/telephony/embedded/sip';
import type { PromptAudio } from '../../src/telephony/port';
import { freePort } from '../support/ports';
import { type SippFarEnd, startSippFarEnd } from './sipp-far-end';
import { type ContractHarness, describeTelephonyPortContract } from './telephony-port';

async function embeddedHarness(): Promise<ContractHarness> {
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
    media: { address: '127.0.0.1', rtpPortMin: base, rtpPortMax: base + 200 },
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
      const samples = new Int16Array(Math.round((durationMs / 1000) * 8000));
      for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
      const wav = new WaveFile();
      wav.fromScratch(1, 8000, '16', samples);
      const bytes = wav.toBuffer();
      const hash = createHash('sha256').update(bytes).digest('hex');
      const path = join(dir, `${hash}.wav`);
      writeFileSync(path, bytes);
      const audio = { name: `test/tone-${durationMs}ms`, path, hash };
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

describeTelephonyPortContract('embedded backend + sipp', embeddedHarness);
