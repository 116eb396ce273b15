/**
 * The drachtio backend wired to the protocol doubles on 127.0.0.1: a drachtio-server double, a
 * FreeSWITCH double behind it, scripted PBX doubles per far end, and a prompt cache that FreeSWITCH
 * "sees" under another path (a symlink standing in for the shared volume).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDrachtioBackend, type DrachtioBackend, type DrachtioBackendOptions } from '../../src/telephony/drachtio';
import type { PromptAudio } from '../../src/telephony/port';
import type { ContractHarness, FarEnd, FarEndScript } from '../contract/telephony-port';
import { writeTonePrompt } from '../contract/tone-prompt';
import { freePort } from '../support/ports';
import { DrachtioServerDouble } from './doubles/drachtio-server';
import { FreeswitchDouble } from './doubles/freeswitch';
import { PbxDouble } from './doubles/pbx';

export interface Rig extends ContractHarness {
  readonly backend: DrachtioBackend;
  readonly drachtio: DrachtioServerDouble;
  readonly fs: FreeswitchDouble;
  readonly options: DrachtioBackendOptions;
  readonly promptDirLocal: string;
  assertClean(): Promise<void>;
  farEndDouble(script: FarEndScript, quirks?: ConstructorParameters<typeof PbxDouble>[4]): Promise<PbxDouble>;
}

export interface RigOptions {
  readonly srtp?: boolean;
  readonly dtmfSend?: 'rfc4733' | 'inband' | 'info';
  /** Do not start the backend (connection tests start it themselves). */
  readonly startBackend?: boolean;
  readonly fsPassword?: string;
  readonly backendFsPassword?: string;
  readonly backendDrachtioSecret?: string;
  readonly startTimeoutMs?: number;
}

export async function startRig(o: RigOptions = {}): Promise<Rig> {
  const root = mkdtempSync(join(tmpdir(), 'fyrkant-drachtio-'));
  const promptDirLocal = join(root, 'prompts');
  const promptDirRemote = join(root, 'fs-sounds');
  mkdirSync(promptDirLocal);
  symlinkSync(promptDirLocal, promptDirRemote);

  const drachtio = new DrachtioServerDouble(await freePort(), 'drachtio-secret', await freePort());
  await drachtio.start();
  const fsPassword = o.fsPassword ?? 'esl-password';
  const fs = new FreeswitchDouble(await freePort(), fsPassword, `127.0.0.1:${await freePort()}`, drachtio);
  await fs.start();

  const credentials = { username: 'fyrkant', password: 'trunk-secret' };
  const options: DrachtioBackendOptions = {
    drachtio: {
      host: '127.0.0.1',
      port: drachtio.port,
      secret: o.backendDrachtioSecret ?? drachtio.secret,
      maxReconnectDelayMs: 500,
    },
    freeswitch: {
      address: '127.0.0.1',
      port: fs.eslPort,
      secret: o.backendFsPassword ?? fsPassword,
      listenAddress: '127.0.0.1',
      listenPort: 0,
      connectTimeoutMs: 1500,
      retryDelayMs: 200,
    },
    trunk: {
      auth: credentials,
      from: { user: '4687654321', host: 'fyrkant.test', displayName: 'Fyrkant' },
      headers: { 'X-Trunk': 'test' },
    },
    media: { srtp: o.srtp ?? false, promptDirLocal, promptDirRemote, ...(o.dtmfSend ? { dtmfSend: o.dtmfSend } : {}) },
  };
  const backend = createDrachtioBackend(options, { startTimeoutMs: o.startTimeoutMs ?? 5000 });
  if (o.startBackend !== false) await backend.start();

  const pbxs = new Set<PbxDouble>();
  const rig: Rig = {
    backend,
    drachtio,
    fs,
    options,
    promptDirLocal,
    credentials,
    async farEndDouble(script, quirks) {
      const pbx = new PbxDouble(`127.0.0.1:${await freePort()}`, script, drachtio, fs, quirks);
      drachtio.addPeer(pbx);
      pbxs.add(pbx);
      return pbx;
    },
    async farEnd(script: FarEndScript): Promise<FarEnd> {
      const pbx = await rig.farEndDouble(script);
      return { requestUri: pbx.requestUri, result: (timeoutMs = 8000) => pbx.result(timeoutMs) };
    },
    async prompt(durationMs: number): Promise<PromptAudio> {
      return writeTonePrompt(promptDirLocal, durationMs);
    },
    async assertClean() {
      const deadline = Date.now() + 3000;
      const leaks = () => {
        const r = backend.resources();
        return { ...r, fsChannels: fs.liveChannels.length, drachtioDialogs: drachtio.dialogs.size };
      };
      while (Date.now() < deadline && Object.values(leaks()).some((n) => n > 0)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(leaks()).toEqual({ endpoints: 0, dialogs: 0, calls: 0, fsChannels: 0, drachtioDialogs: 0 });
    },
    async close() {
      await backend.stop();
      for (const p of pbxs) drachtio.removePeer(p);
      await fs.stop();
      await drachtio.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return rig;
}
