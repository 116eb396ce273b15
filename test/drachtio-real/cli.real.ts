/**
 * `fyrkant call --backend drachtio` against the REAL drachtio-server + FreeSWITCH, with a real sipp
 * callee that checks what it receives (see ../contract/sipp-far-end.ts): the real CLI command, the
 * office-phone-verify script with espeak-ng prompts that FreeSWITCH plays from the prompt cache.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callCommand } from '../../src/cli/commands/call';
import { startSippFarEnd } from '../contract/sipp-far-end';
import type { FarEndReport, FarEndScript } from '../contract/telephony-port';
import { writeCallConfig } from '../support/call-config';
import { freePort } from '../support/ports';
import { requireTool } from '../support/tools';
import { drachtioConfig, realServers } from './real-env';

jest.setTimeout(90_000);
const real = realServers();

describe(`fyrkant call --backend drachtio on real servers (${real.versions || 'versions not given'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-call-real-'));
  const prompts = join(dir, 'prompts');
  beforeAll(() => {
    requireTool('espeak-ng', 'espeak-ng');
    chmodSync(dir, 0o755);
    mkdirSync(prompts, { mode: 0o755 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function call(
    script: FarEndScript,
    flags: { ext?: string } = {},
  ): Promise<{ code: number; json: Record<string, unknown>; far: FarEndReport }> {
    const far = await startSippFarEnd(script);
    try {
      const config = await writeCallConfig({
        dir,
        promptCacheDir: prompts,
        ringTimeoutSeconds: 5,
        extra: {
          drachtio: drachtioConfig(real, await freePort()),
        },
      });
      let out = '';
      const code = await callCommand(
        far.requestUri,
        { json: true, config, lang: 'en-US', backend: 'drachtio', ...flags },
        (s) => {
          out += s;
        },
      );
      const lines = out.trim().split('\n');
      expect(lines).toHaveLength(1);
      return { code, json: JSON.parse(lines[0]!) as Record<string, unknown>, far: await far.result(10_000) };
    } finally {
      await far.stop();
    }
  }

  it.each([
    ['rfc4733', 'rfc4733'],
    ['info', 'rfc4733'],
    ['inband', 'none'],
  ] as const)(
    'approved when the callee presses # via %s; the prompt arrives plain and audible',
    async (via, dtmfMode) => {
      const { code, json, far } = await call({
        final: { kind: 'answer' },
        dtmfMode,
        afterAnswer: [{ atMs: 2500, kind: 'dtmf', digits: '#', via }],
      });
      expect(json).toMatchObject({ outcome: 'approved', digits: '#', dtmfSource: via });
      expect(code).toBe(0);
      expect(far.inviteSdp).not.toMatch(/^a=crypto:/m);
      expect(far.audio.payloadTypes.filter((pt) => ![0, 13, 101].includes(pt))).toEqual([]);
      expect(far.audio.packets).toBeGreaterThan(50);
      expect(far.byeFromBackend).toBe(true);
    },
  );

  it('486 → busy', async () => {
    const { code, json } = await call({ final: { kind: 'reject', status: 486, reason: 'Busy Here' } });
    expect(json).toMatchObject({ outcome: 'busy', sipStatus: 486 });
    expect(code).toBe(1);
  });

  it('ring-out → no-answer, with a CANCEL', async () => {
    const { json, far } = await call({ progress: ['ringing'], final: { kind: 'no-answer' } });
    expect(json).toMatchObject({ outcome: 'no-answer' });
    expect(far.cancelled).toBe(true);
  });

  it.each([
    ['with', 'rfc4733'],
    ['without', 'none'],
  ] as const)('--ext 1001: the callee receives the digits %s telephone-event', async (_label, dtmfMode) => {
    const { json, far } = await call(
      // # repeated: the script only takes it once its "press #" question runs, after the extension
      // (preDelay 2 s + digits + postDelay 1.5 s) and the greeting; earlier presses are not answers.
      {
        final: { kind: 'answer' },
        dtmfMode,
        afterAnswer: [7000, 10_000, 13_000, 16_000, 19_000].map((atMs) => ({
          atMs,
          kind: 'dtmf' as const,
          digits: '#',
          via: 'info' as const,
        })),
      },
      { ext: '1001' },
    );
    expect(json).toMatchObject({ extensionSent: '1001' });
    expect(far.digitsReceived).toBe('1001');
    expect(json.outcome).toBe('approved');
    if (dtmfMode === 'none') expect(far.audio.inbandDigits).toBe('1001');
  });
});
