/**
 * FreeSWITCH plays prompts from a shared volume, so a WAV in fyrkant's prompt cache has another path
 * inside the FreeSWITCH container. Prompts that live elsewhere (e.g. the pre-rendered ones shipped in
 * `ivr-scripts/rendered/`, which only fyrkant's container has) are first staged into the cache by
 * content hash, so FreeSWITCH sees exactly the audio the embedded backend would play.
 */
import { copyFile, mkdir, open, rename, stat } from 'node:fs/promises';
import { join, posix, resolve, sep } from 'node:path';
import type { PromptAudio } from '../port';

/** Sub-directory of the prompt cache for staged copies. */
export const STAGED_DIR = 'drachtio-staged';

export function remotePromptPath(localPath: string, localDir: string, remoteDir: string): string {
  const file = resolve(localPath);
  const dir = resolve(localDir);
  if (!file.startsWith(dir + sep)) {
    throw new Error(`prompt ${localPath} is not inside the prompt cache ${localDir}; FreeSWITCH cannot see it`);
  }
  const rel = file
    .slice(dir.length + 1)
    .split(sep)
    .join('/');
  if (/[\s!]/.test(rel) || /[\s!]/.test(remoteDir)) {
    // FreeSWITCH's playback splits arguments on spaces and file lists on the delimiter.
    throw new Error(`prompt path ${rel} contains a space or '!', which FreeSWITCH playback cannot take`);
  }
  return posix.join(remoteDir, rel);
}

async function isWav(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(12);
    const { bytesRead } = await fh.read(head, 0, 12, 0);
    return bytesRead === 12 && head.toString('ascii', 0, 4) === 'RIFF' && head.toString('ascii', 8, 12) === 'WAVE';
  } finally {
    await fh.close();
  }
}

/** Copies prompts from outside the cache into it (once per content hash) and maps them for FreeSWITCH. */
export class PromptStager {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly localDir: string,
    private readonly remoteDir: string,
  ) {}

  async remotePath(audio: PromptAudio): Promise<string> {
    const file = resolve(audio.path);
    if (file.startsWith(resolve(this.localDir) + sep)) return remotePromptPath(file, this.localDir, this.remoteDir);
    if (!/^[0-9a-f]{16,128}$/i.test(audio.hash)) throw new Error(`prompt ${audio.name} has no usable content hash`);
    let staged = this.inFlight.get(audio.hash);
    if (!staged) {
      staged = this.stage(file, audio.hash);
      this.inFlight.set(audio.hash, staged);
      staged.catch(() => this.inFlight.delete(audio.hash));
    }
    return remotePromptPath(await staged, this.localDir, this.remoteDir);
  }

  private async stage(file: string, hash: string): Promise<string> {
    // Only audio goes into the shared volume, whatever path a caller hands us.
    if (!(await isWav(file))) throw new Error(`prompt ${file} is not a WAV file`);
    const dir = join(this.localDir, STAGED_DIR);
    const target = join(dir, `${hash.toLowerCase()}.wav`);
    const exists = await stat(target).then(
      (s) => s.isFile(),
      () => false,
    );
    if (exists) return target;
    await mkdir(dir, { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    await copyFile(file, tmp);
    await rename(tmp, target); // atomic: FreeSWITCH never sees half a file
    return target;
  }
}
