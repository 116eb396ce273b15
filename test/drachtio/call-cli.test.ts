/**
 * `fyrkant call --backend drachtio …` end to end on the protocol doubles: the real CLI command, the
 * backend registry, the office-phone-verify script with espeak-ng prompts played by the FreeSWITCH
 * double from the shared prompt directory, and a PBX double pressing #.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callCommand } from '../../src/cli/commands/call';
import type { FarEndScript } from '../contract/telephony-port';
import { writeCallConfig } from '../support/call-config';
import { freePort } from '../support/ports';
import { requireTool } from '../support/tools';
import { type Rig, startRig } from './rig';

jest.setTimeout(40_000);

describe('fyrkant call --backend drachtio', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-call-drachtio-'));
  let rig: Rig;
  beforeAll(async () => {
    requireTool('espeak-ng', 'espeak-ng');
    rig = await startRig({ startBackend: false });
  });
  afterAll(async () => {
    await rig?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(script: FarEndScript, flags: { ext?: string } = {}) {
    const pbx = await rig.farEndDouble(script);
    const o = rig.options;
    const config = await writeCallConfig({
      dir,
      promptCacheDir: o.media.promptDirLocal,
      extra: {
        drachtio: {
          host: '127.0.0.1',
          port: o.drachtio.port,
          secret: o.drachtio.secret,
          freeswitch: {
            address: '127.0.0.1',
            port: o.freeswitch.port,
            secret: o.freeswitch.secret,
            listenAddress: '127.0.0.1',
            listenPort: await freePort(),
          },
          promptPathMapping: { localDir: o.media.promptDirLocal, remoteDir: o.media.promptDirRemote },
        },
      },
    });
    let out = '';
    const code = await callCommand(
      pbx.requestUri,
      { json: true, config, lang: 'en-US', backend: 'drachtio', ...flags },
      (s) => {
        out += s;
      },
    );
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    return { code, json: JSON.parse(lines[0]!) as Record<string, unknown>, pbx };
  }

  it('approves when the phone presses # (RFC 4733) during the prompt', async () => {
    const { code, json, pbx } = await call({
      final: { kind: 'answer' },
      afterAnswer: [{ atMs: 1500, kind: 'dtmf', digits: '#', via: 'rfc4733' }],
    });
    expect(json).toMatchObject({ outcome: 'approved', sipStatus: 200, digits: '#', dtmfSource: 'rfc4733' });
    expect(json.callId).toEqual(expect.any(String));
    expect(code).toBe(0);
    const report = await pbx.result(3000);
    expect(report.byeFromBackend).toBe(true);
    // FreeSWITCH played the rendered prompts from its own view of the shared directory.
    const played = [...rig.fs.channels.values()].flatMap((c) => c.appsRun.filter((a) => a.name === 'playback'));
    expect(played.length).toBeGreaterThan(0);
    expect(played.every((a) => a.arg.startsWith(`${rig.options.media.promptDirRemote}/`))).toBe(true);
    await rig.assertClean();
  });

  it('approves from SIP INFO, and reports busy on 486', async () => {
    const info = await call({
      final: { kind: 'answer' },
      afterAnswer: [{ atMs: 1500, kind: 'dtmf', digits: '#', via: 'info' }],
    });
    expect(info.json).toMatchObject({ outcome: 'approved', digits: '#', dtmfSource: 'info' });
    const busy = await call({ final: { kind: 'reject', status: 486, reason: 'Busy Here' } });
    expect(busy.json).toMatchObject({ outcome: 'busy', sipStatus: 486 });
    expect(busy.code).toBe(1);
    await rig.assertClean();
  });
});
