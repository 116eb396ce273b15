/**
 * Content-addressed prompt clips: `<name>.wav` where the name is derived from a hash of what produced
 * it (TTS text+voice+rate, uploaded bytes, or the parts of a composed prompt). Looked up in the writable
 * cache directory first, then in read-only directories (the pre-rendered clips shipped in the repo).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Clip {
  readonly path: string;
  /** sha256 of the file's bytes. */
  readonly hash: string;
}

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

export class ClipCache {
  private readonly known = new Map<string, Clip>();
  private readonly inflight = new Map<string, Promise<Clip>>();

  constructor(
    readonly dir: string,
    readonly readOnlyDirs: readonly string[] = [],
  ) {}

  /** The clip if it exists anywhere (no rendering). */
  async find(name: string): Promise<Clip | undefined> {
    const hit = this.known.get(name);
    if (hit) return hit;
    for (const d of [this.dir, ...this.readOnlyDirs]) {
      const path = join(d, `${name}.wav`);
      if (existsSync(path)) {
        const clip = { path, hash: sha256(await readFile(path)) };
        this.known.set(name, clip);
        return clip;
      }
    }
    return undefined;
  }

  /** The clip, producing and storing it if missing; concurrent requests for one name share the work. */
  get(name: string, produce: () => Promise<Buffer>): Promise<Clip> {
    const running = this.inflight.get(name);
    if (running) return running;
    const p = (async () => {
      const found = await this.find(name);
      if (found) return found;
      const bytes = await produce();
      return this.put(name, bytes);
    })().finally(() => this.inflight.delete(name));
    this.inflight.set(name, p);
    return p;
  }

  /** Stores bytes under `name` (atomically: a reader never sees half a file). */
  async put(name: string, bytes: Buffer, dir = this.dir): Promise<Clip> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${name}.wav`);
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    const clip = { path, hash: sha256(bytes) };
    if (dir === this.dir) this.known.set(name, clip);
    return clip;
  }
}
