/**
 * Uploads that are not WAV (MP3, Ogg Vorbis, FLAC, AIFF, …) are turned into WAV by sox before the
 * usual checks (`convertUpload`). WAV itself never needs sox. Without sox installed, a non-WAV upload
 * is refused with the install line.
 */
import { spawn } from 'node:child_process';
import { AudioRejected } from './wav';

/** RIFF/WAVE or RF64 header. */
export function isWav(bytes: Uint8Array): boolean {
  const tag = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
  return (tag === 'RIFF' || tag === 'RF64') && Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WAVE';
}

/** Guesses sox's input type from the first bytes (sox cannot sniff from a pipe). */
function soxType(bytes: Uint8Array): string | undefined {
  const b = Buffer.from(bytes.subarray(0, 12));
  if (b.toString('latin1', 0, 3) === 'ID3' || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)) return 'mp3';
  if (b.toString('latin1', 0, 4) === 'OggS') return 'ogg';
  if (b.toString('latin1', 0, 4) === 'fLaC') return 'flac';
  if (b.toString('latin1', 0, 4) === 'FORM') return 'aiff';
  return undefined;
}

/** WAV bytes for any upload sox can read; WAV input is returned as it is. */
export async function toWavBytes(bytes: Uint8Array, soxPath = 'sox'): Promise<Uint8Array> {
  if (isWav(bytes)) return bytes;
  const type = soxType(bytes);
  if (!type) throw new AudioRejected('unreadable', 'not a WAV, MP3, Ogg, FLAC or AIFF file');
  return new Promise((resolve, reject) => {
    const child = spawn(soxPath, ['-t', type, '-', '-t', 'wav', '-b', '16', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new AudioRejected(
              'unreadable',
              `${type.toUpperCase()} needs sox to decode (apt-get install sox libsox-fmt-mp3)`,
            )
          : e,
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else
        reject(
          new AudioRejected(
            'unreadable',
            `cannot decode this ${type.toUpperCase()} file (${err.trim().split('\n')[0] ?? code})`,
          ),
        );
    });
    child.stdin.on('error', () => {});
    child.stdin.end(Buffer.from(bytes));
  });
}
