/**
 * The office-phone case: fyrkant dials the company's main number through a PBX stand-in
 * (kamailio: 407 auth, record-route), the "attendant" hands the call to baresip at extension 1001,
 * fyrkant dials the extension as DTMF, baresip hears exactly 1001, plays back '#' → approved.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callCommand } from '../../src/cli/commands/call';
import { writeCallConfig } from '../support/call-config';
import { type BaresipPeer, startBaresip } from '../support/peers/baresip';
import { type KamailioPeer, startKamailio } from '../support/peers/kamailio';
import { delay } from '../support/peers/process';
import { requireTool } from '../support/tools';

jest.setTimeout(60_000);

const MAIN_NUMBER = '+46812345600';

/** RMS of a 16-bit PCM WAV's samples (header skipped by finding the data chunk). */
function wavRms(path: string): number {
  const b = readFileSync(path);
  const data = b.indexOf('data');
  if (data < 0) return 0;
  let sum = 0;
  let n = 0;
  for (let i = data + 8; i + 1 < b.length; i += 2) {
    const v = b.readInt16LE(i);
    sum += v * v;
    n++;
  }
  return n ? Math.sqrt(sum / n) : 0;
}

describe('fyrkant call through kamailio to baresip at extension 1001', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-baresip-e2e-'));
  let kam: KamailioPeer | undefined;
  let phone: BaresipPeer | undefined;

  beforeAll(() => requireTool('espeak-ng', 'espeak-ng'));
  afterEach(async () => {
    await phone?.stop();
    await kam?.stop();
    phone = kam = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function setup() {
    kam = await startKamailio({
      users: { fyrkant: 'trunk-secret', '1001': 'phone-secret' },
      // The main number lands on the phone at 1001 (a real PBX would answer with its attendant).
      extraRouteLines: `  if ($rU == "${MAIN_NUMBER}") { $rU = "1001"; }`,
    });
    phone = await startBaresip({
      user: '1001',
      registrar: { hostport: `127.0.0.1:${kam.port}`, password: 'phone-secret' },
      // menu provides the `sndcode` command (send a DTMF key as RFC 2833) over ctrl_tcp.
      extraConfig: 'module menu.so',
    });
    return writeCallConfig({
      dir,
      promptCacheDir: join(dir, 'prompts'),
      allowSipUriDial: false,
      ringTimeoutSeconds: 10,
      trunk: { uri: kam.uri(), username: 'fyrkant', password: 'trunk-secret' },
      extra: { dialPlan: { requestUri: 'sip:{e164}@{host}' } },
    });
  }

  function digitsHeard(p: BaresipPeer): string {
    return p.events
      .filter((e) => e.type === 'CALL_DTMF_START')
      .map((e) => String(e.param ?? ''))
      .join('');
  }

  async function run(answerWith: string) {
    const config = await setup();
    let out = '';
    const calling = callCommand(
      '08-123 456 00',
      { ext: '1001', country: 'SE', json: true, config, lang: 'en-US' },
      (s) => {
        out += s;
      },
    );
    const p = phone!;
    await p.waitEvent('CALL_ESTABLISHED', 15_000);
    // Wait for the extension digits, then a moment to be sure nothing else follows.
    const end = Date.now() + 20_000;
    while (digitsHeard(p).length < 4 && Date.now() < end) await delay(50);
    // The script waits postDelayMs (1.5 s) after the extension, then starts the greeting with a fresh
    // input buffer: press '#' while the greeting plays, as a person would.
    await delay(3500);
    const heard = digitsHeard(p);
    for (const key of answerWith) {
      await p.command('sndcode', key);
      await delay(400);
    }
    const code = await calling;
    const files = readdirSync(p.dir);
    const dumps = files.filter((f) => f.endsWith('.wav') && f.includes('dec'));
    if (dumps.length === 0) process.stderr.write(`baresip dir: ${files.join(' ')}\n`);
    return { code, json: JSON.parse(out.trim()), heard, dumps: dumps.map((f) => join(p.dir, f)) };
  }

  it('sends 1001 as DTMF, hears # back from the phone → approved, and the phone heard the prompt', async () => {
    const { code, json, heard, dumps } = await run('#');
    expect(heard).toBe('1001');
    expect(json).toMatchObject({
      outcome: 'approved',
      sipStatus: 200,
      digits: '#',
      dtmfSource: 'rfc4733',
      extensionSent: '1001',
    });
    expect(code).toBe(0);
    expect(dumps.length).toBeGreaterThan(0);
    expect(Math.max(...dumps.map(wavRms))).toBeGreaterThan(200);
  });
});
