/**
 * FreeSWITCH plays prompts from a shared volume, so a WAV in fyrkant's prompt cache has another path
 * inside the FreeSWITCH container. Only files under the cache directory can be mapped: anything else
 * would not exist on the other side.
 */
import { posix, resolve, sep } from 'node:path';

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
