/**
 * The drachtio backend pointed at the REAL servers (see real-env.ts), with real sipp callees as the
 * far end — the same far end the embedded backend's contract suite uses.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDrachtioBackend, type DrachtioBackend, type DrachtioBackendOptions } from '../../src/telephony/drachtio';
import type { PromptAudio } from '../../src/telephony/port';
import { type SippFarEnd, startSippFarEnd } from '../contract/sipp-far-end';
import type { ContractHarness } from '../contract/telephony-port';
import { writeTonePrompt } from '../contract/tone-prompt';
import { realServers } from './real-env';

export interface RealHarness extends ContractHarness {
  readonly backend: DrachtioBackend;
  readonly options: DrachtioBackendOptions;
}

export async function realHarness(media: Partial<DrachtioBackendOptions['media']> = {}): Promise<RealHarness> {
  const real = realServers();
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-drachtio-real-'));
  chmodSync(dir, 0o755); // FreeSWITCH reads the prompts from here
  const credentials = { username: 'fyrkant', password: 'trunk-secret' };
  const options: DrachtioBackendOptions = {
    drachtio: { ...real.drachtio, maxReconnectDelayMs: 1000 },
    freeswitch: {
      address: real.freeswitch.host,
      port: real.freeswitch.port,
      secret: real.freeswitch.password,
      listenAddress: '127.0.0.1',
      listenPort: 0,
      profile: real.profile,
      retryDelayMs: 250,
    },
    trunk: { auth: credentials, from: { user: '4687654321', host: 'fyrkant.test', displayName: 'Fyrkant' } },
    media: { promptDirLocal: dir, promptDirRemote: dir, ...media },
  };
  const backend = createDrachtioBackend(options, { startTimeoutMs: 10_000 });
  await backend.start();
  const farEnds = new Set<SippFarEnd>();
  return {
    backend,
    options,
    credentials,
    async farEnd(script) {
      const far = await startSippFarEnd(script);
      farEnds.add(far);
      return far;
    },
    async prompt(durationMs: number): Promise<PromptAudio> {
      return writeTonePrompt(dir, durationMs);
    },
    async assertClean() {
      const deadline = Date.now() + 5000;
      const held = () => Object.values(backend.resources()).some((n) => n > 0);
      while (held() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(backend.resources()).toEqual({ endpoints: 0, dialogs: 0, calls: 0 });
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
