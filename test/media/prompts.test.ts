import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeInto } from '../../src/telephony/embedded/media/codec';
import { PromptCache, PromptError, promptFromFile, wavTo8kMono } from '../../src/telephony/embedded/media/prompts';
import { requireTool } from '../support/tools';

describe('prompt audio', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-prompts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function tone(name: string, args: string[]): string {
    const path = join(dir, name);
    execFileSync(requireTool('sox', 'sox'), ['-R', '-n', ...args, path, 'synth', '0.5', 'sine', '1000', 'vol', '0.5']);
    return path;
  }

  function rms(pcm: Int16Array): number {
    let s = 0;
    for (const v of pcm) s += v * v;
    return Math.sqrt(s / pcm.length);
  }

  it.each([
    ['stereo 44.1 kHz 24-bit', 's24.wav', ['-r', '44100', '-c', '2', '-b', '24']],
    ['mono 16 kHz 16-bit', 'm16.wav', ['-r', '16000', '-c', '1', '-b', '16']],
    ['8 kHz µ-law WAV', 'ulaw.wav', ['-r', '8000', '-c', '1', '-e', 'u-law']],
    ['22.05 kHz unsigned 8-bit', 'u8.wav', ['-r', '22050', '-c', '1', '-b', '8', '-e', 'unsigned']],
    ['48 kHz 32-bit float', 'f32.wav', ['-r', '48000', '-c', '1', '-b', '32', '-e', 'floating-point']],
  ])('converts %s to 8 kHz mono at the right level', (_label, file, args) => {
    const pcm = wavTo8kMono(require('node:fs').readFileSync(tone(file, args)));
    expect(Math.abs(pcm.length - 4000)).toBeLessThanOrEqual(2);
    // A sine at half scale has an RMS of 0.5/√2 of full scale.
    expect(rms(pcm.subarray(100, 3900)) / 32767).toBeCloseTo(0.5 / Math.SQRT2, 1);
  });

  it('encodes once per content hash and codec, and calls share the buffer', async () => {
    const path = tone('share.wav', ['-r', '16000', '-c', '1', '-b', '16']);
    const prompt = await promptFromFile(path, 'share');
    const cache = new PromptCache();
    const [a, b] = await Promise.all([cache.get(prompt, 'PCMU'), cache.get(prompt, 'PCMU')]);
    expect(a).toBe(b);
    expect(a.length).toBe(4000);
    const alaw = await cache.get(prompt, 'PCMA');
    expect(alaw).not.toBe(a);
    expect(cache.size).toBe(2);
    const decoded = new Int16Array(4000);
    decodeInto('PCMA', alaw, 0, 4000, decoded);
    expect(rms(decoded.subarray(100, 3900)) / 32767).toBeCloseTo(0.5 / Math.SQRT2, 1);
  });

  it('rejects what is not a WAV and does not cache the failure', async () => {
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, 'not a wav at all');
    expect(() => wavTo8kMono(Buffer.from('RIFF nonsense'))).toThrow(PromptError);
    const cache = new PromptCache();
    await expect(cache.get({ name: 'bad', path: bad, hash: 'x' }, 'PCMU')).rejects.toThrow(PromptError);
    await expect(cache.get({ name: 'gone', path: join(dir, 'missing.wav'), hash: 'y' }, 'PCMU')).rejects.toThrow(
      /cannot read prompt gone/,
    );
    expect(cache.size).toBe(0);
  });
});
