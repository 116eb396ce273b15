import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulaw } from 'alawmulaw';
import { dtmfPcmWithSox, writeDtmfUlaw } from '../support/dtmf-audio';
import { detect } from './audio';
import { digitsOf } from './helpers';

describe('test/support/dtmf-audio (sox-made in-band DTMF for sipp rtp_stream)', () => {
  it('writes headerless 8 kHz µ-law that the in-band detector reads as the digits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fyrkant-dtmf-audio-'));
    try {
      const file = join(dir, 'pound.ulaw');
      const n = writeDtmfUlaw(file, '#', { leadMs: 500, toneMs: 200, trailMs: 1000 });
      expect(n).toBe(8 * (500 + 200 + 1000));
      const bytes = new Uint8Array(readFileSync(file));
      // No RIFF/WAV header: the first bytes are µ-law silence (0xFF/0x7F), not "RIFF".
      expect(String.fromCharCode(...bytes.subarray(0, 4))).not.toBe('RIFF');
      expect(digitsOf(detect(mulaw.decode(bytes)))).toBe('#');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders every digit so that an independent generator and the detector agree', () => {
    const digits = '0123456789*#ABCD';
    expect(digitsOf(detect(dtmfPcmWithSox(digits, { leadMs: 100, toneMs: 80, gapMs: 80, trailMs: 100 })))).toBe(digits);
  });
});
