import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WaveFile } from 'wavefile';
import { PromptLibrary, ttsClipName } from '../../src/ivr/prompts/library';
import { EspeakNg, type TtsEngine, type TtsRequest, TtsUnavailable } from '../../src/ivr/prompts/tts';
import { AudioRejected, convertUpload } from '../../src/ivr/prompts/wav';
import { validateScript } from '../../src/ivr/validate';
import { requireTool } from '../support/tools';
import { scriptFromText, shippedScript } from './helpers';

requireTool('espeak-ng', 'espeak-ng');
requireTool('sox', 'sox');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-prompts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The real espeak-ng, counting renders so cache hits are visible. */
class Counting implements TtsEngine {
  readonly calls: TtsRequest[] = [];
  private readonly real = new EspeakNg();
  render(r: TtsRequest) {
    this.calls.push(r);
    return this.real.render(r);
  }
}
/** A machine without espeak-ng. */
const noEspeak = new EspeakNg('/nonexistent/espeak-ng');

function wavInfo(path: string) {
  const w = new WaveFile(readFileSync(path));
  const fmt = w.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
  const n = (w.data as { samples: Uint8Array }).samples.length / 2;
  return { channels: fmt.numChannels, rate: fmt.sampleRate, bits: fmt.bitsPerSample, seconds: n / fmt.sampleRate };
}

const SCRIPT = `prompts:
  hello:
    sv-SE: Tryck fyrkant för att verifiera.
    en-US: Press pound to verify.
  ext:
    sv-SE: Anknytning {extension}, tack.
    en-US: Extension {extension}, please.
  only-en:
    en-US: English only.
steps:
  - play: hello
  - play: ext
  - play: only-en
`;

describe('prompt rendering with espeak-ng', () => {
  it('renders TTS to 8 kHz mono 16-bit WAV, caches by (text, voice, rate), and is deterministic', async () => {
    const tts = new Counting();
    const lib = new PromptLibrary({ cacheDir: dir, prerenderedDirs: [], tts });
    const script = scriptFromText(SCRIPT);
    const a = await lib.audio(script, 'sv-SE', { kind: 'prompt', key: 'hello' }, {});
    expect(a.name).toBe('test-script/hello@sv-SE');
    expect(wavInfo(a.path)).toMatchObject({ channels: 1, rate: 8000, bits: 16 });
    expect(wavInfo(a.path).seconds).toBeGreaterThan(1);
    expect(wavInfo(a.path).seconds).toBeLessThan(5);
    expect(tts.calls).toEqual([{ text: 'Tryck fyrkant för att verifiera.', voice: 'sv', rate: 165 }]);
    expect(a.path).toBe(join(dir, `${ttsClipName(tts.calls[0]!)}.wav`));
    // Cached: a second library over the same directory renders nothing.
    const tts2 = new Counting();
    const again = await new PromptLibrary({ cacheDir: dir, prerenderedDirs: [], tts: tts2 }).audio(
      script,
      'sv-SE',
      { kind: 'prompt', key: 'hello' },
      {},
    );
    expect(tts2.calls).toEqual([]);
    expect(again.hash).toBe(a.hash);
    // Deterministic: rendering again elsewhere gives the same bytes.
    const other = mkdtempSync(join(tmpdir(), 'fyrkant-prompts-'));
    try {
      const b = await new PromptLibrary({ cacheDir: other, prerenderedDirs: [] }).audio(
        script,
        'sv-SE',
        { kind: 'prompt', key: 'hello' },
        {},
      );
      expect(b.hash).toBe(a.hash);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('reads digit variables digit by digit from separate clips and joins them into one prompt', async () => {
    const tts = new Counting();
    const lib = new PromptLibrary({ cacheDir: dir, prerenderedDirs: [], tts });
    const script = scriptFromText(SCRIPT);
    const a = await lib.audio(script, 'en-US', { kind: 'prompt', key: 'ext' }, { extension: '1001' });
    expect(tts.calls.map((c) => c.text)).toEqual(['Extension', 'one', 'zero', 'please.']);
    expect(a.path).toMatch(/mix-[0-9a-f]+\.wav$/);
    expect(wavInfo(a.path)).toMatchObject({ channels: 1, rate: 8000, bits: 16 });
    const b = await lib.audio(script, 'en-US', { kind: 'prompt', key: 'ext' }, { extension: '2002' });
    expect(tts.calls.map((c) => c.text).slice(4)).toEqual(['two']);
    expect(b.hash).not.toBe(a.hash);
  });

  it('falls back by primary language, then to the script language', async () => {
    const lib = new PromptLibrary({ cacheDir: dir, prerenderedDirs: [], tts: new Counting() });
    const script = scriptFromText(SCRIPT);
    expect((await lib.audio(script, 'sv-FI', { kind: 'prompt', key: 'hello' }, {})).name).toBe(
      'test-script/hello@sv-SE',
    );
    expect((await lib.audio(script, 'de-DE', { kind: 'prompt', key: 'hello' }, {})).name).toBe(
      'test-script/hello@en-US',
    );
    expect((await lib.audio(script, 'sv-SE', { kind: 'prompt', key: 'only-en' }, {})).name).toBe(
      'test-script/only-en@en-US',
    );
  });

  it('plays every shipped prompt in sv-SE and en-US from the committed clips, without espeak-ng', async () => {
    const lib = new PromptLibrary({ cacheDir: dir, tts: noEspeak });
    for (const id of ['office-phone-verify', 'signin-approve', 'pin-verify', 'random-digit', 'test-call']) {
      const script = shippedScript(id);
      for (const lang of ['sv-SE', 'en-US']) {
        for (const key of Object.keys(script.data.prompts)) {
          const vars = { company: 'Example AB', extension: '1001', challengeDigit: '7' };
          const a = await lib.audio(script, lang, { kind: 'prompt', key }, vars);
          expect(wavInfo(a.path)).toMatchObject({ channels: 1, rate: 8000, bits: 16 });
        }
        await lib.audio(script, lang, { kind: 'digits', digits: '0123456789*#' }, {});
      }
    }
    // The shipped clips stay small: 8 kHz mono 16-bit only.
    const shipped = join(__dirname, '..', '..', 'ivr-scripts', 'rendered');
    const total = execFileSync('du', ['-sk', shipped], { encoding: 'utf8' }).split('\t')[0];
    expect(Number(total)).toBeLessThan(8 * 1024);
  });

  it('ships exactly the clips the default scripts need (re-render with `fyrkant prompts render --prune`)', () => {
    const shipped = join(__dirname, '..', '..', 'ivr-scripts', 'rendered');
    const lib = new PromptLibrary({ cacheDir: dir, tts: noEspeak });
    const needed = new Set<string>();
    for (const id of ['office-phone-verify', 'signin-approve', 'pin-verify', 'random-digit', 'test-call']) {
      for (const seg of lib.allSegments(shippedScript(id), ['sv-SE', 'en-US'], { company: 'Example AB' })) {
        if (seg.kind === 'tts') needed.add(`${ttsClipName(seg.tts)}.wav`);
      }
    }
    expect(readdirSync(shipped).sort()).toEqual([...needed].sort());
  });

  it('without espeak-ng, a changed text fails with a message saying how to install it or upload a recording', async () => {
    const lib = new PromptLibrary({ cacheDir: dir, tts: noEspeak });
    const script = scriptFromText(SCRIPT.replace('Tryck fyrkant', 'Tryck på fyrkant'));
    const err = await lib.audio(script, 'sv-SE', { kind: 'prompt', key: 'hello' }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TtsUnavailable);
    expect((err as Error).message).toMatch(/apt-get install -y espeak-ng/);
    expect((err as Error).message).toMatch(/upload a recording/);
  });

  it('uses a recorded file prompt, converted to 8 kHz mono and cached by content', async () => {
    const rec = join(dir, 'greeting-sv.wav');
    execFileSync('sox', ['-n', '-r', '44100', '-c', '2', '-b', '16', rec, 'synth', '1.5', 'sine', '440', 'vol', '0.5']);
    const scriptFile = join(dir, 'rec.yaml');
    writeFileSync(
      scriptFile,
      `prompts:\n  hi:\n    sv-SE: { file: greeting-sv.wav }\n    en-US: Hi\nsteps:\n  - play: hi\n`,
    );
    const script = validateScript(readFileSync(scriptFile, 'utf8'), scriptFile).script!;
    const lib = new PromptLibrary({ cacheDir: join(dir, 'cache'), tts: noEspeak });
    const a = await lib.audio(script, 'sv-SE', { kind: 'prompt', key: 'hi' }, {});
    expect(a.path).toMatch(/file-[0-9a-f]+\.wav$/);
    expect(wavInfo(a.path)).toMatchObject({ channels: 1, rate: 8000, bits: 16 });
    expect(wavInfo(a.path).seconds).toBeCloseTo(1.5, 1);
  });
});

describe('recorded prompts in scripts', () => {
  it('scripts check refuses a silent recording with the position of its file key', () => {
    const silent = join(dir, 'silent.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', silent, 'trim', '0', '1']);
    const file = join(dir, 'rec.yaml');
    const text = `prompts:\n  hi:\n    sv-SE: { file: silent.wav }\n    en-US: Hi\nsteps:\n  - play: hi\n`;
    const r = validateScript(text, file);
    expect(r.script).toBeUndefined();
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        line: 3,
        column: 20,
        path: 'prompts.hi.sv-SE.file',
        message: 'audio file refused: the recording is silent (nothing above −50 dBFS)',
      }),
    ]);
  });
});

describe('uploaded audio validation and conversion', () => {
  const sox = (name: string, args: string[]) => {
    const p = join(dir, name);
    execFileSync('sox', ['-n', ...args, p, 'synth', ...synth]);
    return readFileSync(p);
  };
  let synth: string[] = ['1', 'sine', '440', 'vol', '0.5'];
  beforeEach(() => {
    synth = ['1', 'sine', '440', 'vol', '0.5'];
  });

  it.each([
    ['44.1 kHz stereo 16-bit', ['-r', '44100', '-c', '2', '-b', '16']],
    ['48 kHz mono 24-bit', ['-r', '48000', '-c', '1', '-b', '24']],
    ['16 kHz mono 8-bit unsigned', ['-r', '16000', '-c', '1', '-b', '8', '-e', 'unsigned-integer']],
    ['22.05 kHz mono float', ['-r', '22050', '-c', '1', '-b', '32', '-e', 'floating-point']],
    ['8 kHz µ-law', ['-r', '8000', '-c', '1', '-e', 'u-law']],
    ['8 kHz A-law', ['-r', '8000', '-c', '1', '-e', 'a-law']],
  ])('converts %s to 8 kHz mono 16-bit, keeping length and level', (_name, args) => {
    const { wav, durationMs } = convertUpload(sox('in.wav', args as string[]));
    expect(durationMs).toBeGreaterThan(980);
    expect(durationMs).toBeLessThan(1020);
    const out = join(dir, 'out.wav');
    writeFileSync(out, wav);
    expect(wavInfo(out)).toMatchObject({ channels: 1, rate: 8000, bits: 16 });
    // A 440 Hz sine at half scale: its RMS is ~0.35 of full scale.
    // sox prints its statistics on stderr.
    const stat = execFileSync('sh', ['-c', 'sox "$1" -n stat 2>&1', 'sh', out], { encoding: 'utf8' });
    const rms = Number(/RMS\s+amplitude:\s+([0-9.]+)/.exec(stat)?.[1]);
    expect(rms).toBeGreaterThan(0.32);
    expect(rms).toBeLessThan(0.38);
  });

  const rejected = (bytes: Uint8Array, limits?: { maxBytes: number; maxSeconds: number }) => {
    try {
      convertUpload(bytes, limits);
    } catch (e) {
      if (e instanceof AudioRejected) return [e.code, e.message];
      throw e;
    }
    return ['accepted', ''];
  };

  it('rejects unreadable files, silence, and files over the size or length limit with clear messages', () => {
    expect(rejected(Buffer.from('RIFF....WAVEnot really'))).toEqual([
      'unreadable',
      expect.stringMatching(/not a readable WAV/),
    ]);
    expect(rejected(Buffer.from('ID3\u0003 an mp3 file'))).toEqual([
      'unreadable',
      expect.stringMatching(/not a readable WAV/),
    ]);
    synth = ['2', 'sine', '440', 'vol', '0'];
    expect(rejected(sox('silent.wav', ['-r', '8000', '-c', '1', '-b', '16']))).toEqual([
      'silent',
      expect.stringMatching(/silent/),
    ]);
    synth = ['1', 'sine', '440', 'vol', '0.5'];
    const big = sox('big.wav', ['-r', '48000', '-c', '2', '-b', '16']);
    expect(statSync(join(dir, 'big.wav')).size).toBeGreaterThan(100_000);
    expect(rejected(big, { maxBytes: 100_000, maxSeconds: 20 })).toEqual([
      'too-big',
      expect.stringMatching(/limit is 98 kB/),
    ]);
    synth = ['25', 'sine', '440', 'vol', '0.5'];
    expect(rejected(sox('long.wav', ['-r', '8000', '-c', '1', '-b', '16']))).toEqual([
      'too-long',
      'the recording is 25.0 s long; the limit is 20 s',
    ]);
  });
});
