/**
 * `fyrkant call` end to end against sipp on 127.0.0.1: the real CLI command, the embedded backend
 * (SIP core + media), the office-phone-verify script and a sipp UAS as the phone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callCommand } from '../../src/cli/commands/call';
import { writeCallConfig } from '../support/call-config';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import {
  calleeByeScenario,
  inbandScenario,
  infoScenario,
  rfc2833Scenario,
  ringOutScenario,
} from '../support/peers/sipp-media-scenarios';
import { answerScenario, neverAnswerScenario, response, scenario } from '../support/peers/sipp-scenarios';
import { freeEvenPortPair } from '../support/ports';
import { requireTool } from '../support/tools';

jest.setTimeout(40_000);

interface Json {
  outcome: string;
  sipStatus: number | null;
  reason: string;
  digits: string;
  dtmfSource: string | null;
  extensionSent: string | null;
  durationMs: number;
  callId: string | null;
}

describe('fyrkant call against sipp', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-call-e2e-'));
  const promptCacheDir = join(dir, 'prompts');
  const peers: SippPeer[] = [];

  beforeAll(() => {
    requireTool('espeak-ng', 'espeak-ng');
  });
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.stop()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function sipp(xml: string): Promise<SippPeer> {
    const peer = await startSippUas({ scenarioXml: xml, mediaPort: await freeEvenPortPair(), timeoutS: 30 });
    peers.push(peer);
    return peer;
  }

  async function call(target: string, extra: Record<string, string> = {}, configExtra = {}) {
    const config = await writeCallConfig({ dir, promptCacheDir, ...configExtra });
    let out = '';
    const code = await callCommand(target, { json: true, config, lang: 'en-US', ...extra }, (s) => {
      out += s;
    });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    return { code, json: JSON.parse(lines[0]!) as Json };
  }

  it('approves when sipp plays the shipped RFC 2833 # pcap (telephone-event)', async () => {
    const peer = await sipp(rfc2833Scenario(['dtmf_2833_pound.pcap']));
    const { code, json } = await call(peer.uri('1001'));
    expect(json).toMatchObject({ outcome: 'approved', sipStatus: 200, digits: '#', dtmfSource: 'rfc4733' });
    expect(json.callId).toEqual(expect.any(String));
    expect(code).toBe(0);
    expect(await peer.finished()).toBe(0);
  });

  it('approves from an in-band # tone when only PCMU was negotiated', async () => {
    const ulaw = join(dir, 'pound.ulaw');
    if (!existsSync(ulaw)) {
      // 1.5 s silence, '#' (941 + 1477 Hz) for 200 ms, 3 s silence — headerless µ-law for rtp_stream.
      const sox = requireTool('sox', 'sox');
      const parts = ['s1.wav', 'tone.wav', 's2.wav'].map((f) => join(dir, f));
      execFileSync(sox, ['-R', '-n', '-r', '8000', '-c', '1', '-b', '16', parts[0]!, 'trim', '0', '1.5']);
      execFileSync(sox, [
        '-R',
        '-n',
        '-r',
        '8000',
        '-c',
        '1',
        '-b',
        '16',
        parts[1]!,
        'synth',
        '0.2',
        'sine',
        '941',
        'sine',
        '1477',
        'remix',
        '-',
        'gain',
        '-8',
      ]);
      execFileSync(sox, ['-R', '-n', '-r', '8000', '-c', '1', '-b', '16', parts[2]!, 'trim', '0', '3']);
      execFileSync(sox, ['-R', ...parts, '-t', 'raw', '-r', '8000', '-c', '1', '-e', 'u-law', ulaw]);
    }
    const peer = await sipp(inbandScenario(ulaw, 500));
    const { code, json } = await call(peer.uri('1001'));
    expect(json).toMatchObject({ outcome: 'approved', digits: '#', dtmfSource: 'inband' });
    expect(code).toBe(0);
  });

  it('approves from an in-dialog SIP INFO Signal=#', async () => {
    const peer = await sipp(infoScenario(['#']));
    const { json } = await call(peer.uri('1001'));
    expect(json).toMatchObject({ outcome: 'approved', digits: '#', dtmfSource: 'info' });
    expect(await peer.finished()).toBe(0);
  });

  it('reports fraud for 0 then #', async () => {
    const peer = await sipp(rfc2833Scenario(['dtmf_2833_0.pcap', 'dtmf_2833_pound.pcap']));
    const { code, json } = await call(peer.uri('1001'));
    expect(json).toMatchObject({ outcome: 'fraud', digits: '0#', dtmfSource: 'rfc4733' });
    expect(code).toBe(1);
  });

  it('reports hangup when the callee sends BYE during the prompt', async () => {
    const peer = await sipp(calleeByeScenario(1500));
    const { code, json } = await call(peer.uri('1001'));
    expect(json).toMatchObject({ outcome: 'hangup', sipStatus: 200 });
    expect(code).toBe(1);
    expect(await peer.finished()).toBe(0);
  });

  it('reports busy on 486', async () => {
    const peer = await sipp(
      scenario('busy', `  <recv request="INVITE"/>\n${response(486, 'Busy Here')}  <recv request="ACK"/>\n`),
    );
    const { code, json } = await call(peer.uri('1001'));
    expect(json).toMatchObject({ outcome: 'busy', sipStatus: 486 });
    expect(code).toBe(1);
  });

  it('reports no-answer after CANCEL when the phone only rings', async () => {
    const xml = ringOutScenario();
    const peer = await sipp(xml);
    const started = Date.now();
    const { json } = await call(peer.uri('1001'));
    expect(json).toMatchObject({ outcome: 'no-answer' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
    expect(await peer.finished()).toBe(0);
  });

  it('a PBX that never answers (Timer B) is unavailable; the reason is in the request language only', async () => {
    const silent = neverAnswerScenario(8000);
    const fast = {
      extra: { sip: { address: '127.0.0.1', port: 0, timers: { t1Ms: 50 }, trunk: { keepaliveSeconds: 0 } } },
    };
    const sv = await call((await sipp(silent)).uri('1001'), { lang: 'sv-SE' }, fast);
    expect(sv.json).toMatchObject({ outcome: 'unavailable', sipStatus: null });
    // Before: "Ingen svarade. (no response to INVITE)" — no-answer, and half of it in English.
    expect(sv.json.reason).toMatch(/tillgänglig/);
    expect(sv.json.reason).not.toMatch(/INVITE|response|no /i);
    const en = await call((await sipp(silent)).uri('1001'), { lang: 'en-US' }, fast);
    expect(en.json).toMatchObject({ outcome: 'unavailable' });
    expect(en.json.reason).toMatch(/unavailable.*no response to INVITE/);
  });

  it('sends no INVITE when the policy denies the destination', async () => {
    const peer = await sipp(answerScenario());
    const { code, json } = await call(peer.uri('1001'), {}, { allowSipUriDial: false });
    expect(json).toMatchObject({ outcome: 'policy-denied', sipStatus: null, callId: null });
    // Exit 3 like `numbers parse`; the reason names the setting that would allow sip: URIs.
    expect(code).toBe(3);
    expect(json.reason).toContain('telephony.allowSipUriDial');
    // Premium-rate numbers are denied by default too, before anything is dialled.
    const premium = await call('0939-123 456', { country: 'SE' }, { trunk: { uri: peer.uri() } });
    expect(premium.json.outcome).toBe('policy-denied');
    expect(premium.code).toBe(3);
    const messages = join(peer.dir, 'messages.log');
    expect(existsSync(messages) ? readFileSync(messages, 'utf8') : '').not.toContain('INVITE');
  });
});
