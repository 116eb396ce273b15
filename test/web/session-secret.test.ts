/**
 * The session secret made in the data dir (src/web/session-secret.ts) when `http.sessionSecret` is
 * unset. Several nodes sharing a data dir must end up signing with one secret even when they start
 * at the same moment on an empty one: the first file made wins, the others read it.
 *
 * The race test runs real processes released together (each says "ready", then all get "go"), which
 * each make the secret in the same 300 fresh data dirs in the same order; for every dir all of them
 * must return what the file holds. With a read-then-write secret file they disagree on many dirs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepFirstSecret, sessionSecret } from '../../src/web/session-secret';
import { REPO_ROOT } from '../support/cli';
import { until } from '../support/until';

jest.setTimeout(120_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-secret-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sessionSecret', () => {
  it('uses the configured secret and makes no file', () => {
    expect(sessionSecret('configured-secret', dir)).toBe('configured-secret');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('makes one in the data dir (mode 0600, no temp file left) and keeps it', () => {
    const data = join(dir, 'data');
    const made = sessionSecret(null, data);
    expect(made.length).toBeGreaterThanOrEqual(32);
    expect(readdirSync(data)).toEqual(['session-secret']);
    expect(statSync(join(data, 'session-secret')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(data, 'session-secret'), 'utf8').trim()).toBe(made);
    expect(sessionSecret(null, data)).toBe(made);
  });

  it('replaces a file too short to be a secret (a write cut off by a crash)', () => {
    writeFileSync(join(dir, 'session-secret'), '');
    const made = sessionSecret(null, dir);
    expect(made.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dir, 'session-secret'), 'utf8').trim()).toBe(made);
    expect(readdirSync(dir)).toEqual(['session-secret']);
  });
});

describe('keepFirstSecret', () => {
  it('writes the first secret; a later one loses and gets the first back', () => {
    const file = join(dir, 'session-secret');
    const first = 'first-secret-0123456789abcdefghijklmnopqrstuvwxyz';
    expect(keepFirstSecret(file, first)).toBe(first);
    expect(keepFirstSecret(file, 'second-secret-0123456789abcdefghijklmnopqrstuvwxyz')).toBe(first);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(readdirSync(dir)).toEqual(['session-secret']);
  });
});

/** A process that makes the secret in each of `dirs` once it reads "go", and prints them as JSON. */
function racer(dirs: readonly string[]): { child: ChildProcess; ready: () => boolean; result: Promise<string[]> } {
  const code = `
    const { sessionSecret } = require(${JSON.stringify(join(REPO_ROOT, 'src', 'web', 'session-secret.ts'))});
    const dirs = ${JSON.stringify(dirs)};
    process.stdout.write('ready\\n');
    process.stdin.once('data', () => {
      const out = dirs.map((d) => sessionSecret(null, d));
      process.stdout.write(JSON.stringify(out) + '\\n');
      process.exit(0);
    });`;
  const child = spawn(process.execPath, ['-r', join(REPO_ROOT, 'test', 'support', 'swc-register.js'), '-e', code], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  const result = new Promise<string[]>((resolve, reject) => {
    child.once('exit', (c) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (c === 0) resolve(JSON.parse(last) as string[]);
      else reject(new Error(`racer exited ${c}: ${out}`));
    });
  });
  return { child, ready: () => out.startsWith('ready\n'), result };
}

describe('nodes starting together on an empty data dir', () => {
  it('all sign with the one secret in the file', async () => {
    const dirs = Array.from({ length: 300 }, (_, i) => join(dir, `site-${i}`, 'data'));
    for (const d of dirs) mkdirSync(d, { recursive: true });
    const racers = Array.from({ length: 4 }, () => racer(dirs));
    await until(() => racers.every((r) => r.ready()), 'every racer to start', 60_000);
    for (const r of racers) r.child.stdin?.end('go\n');
    const results = await Promise.all(racers.map((r) => r.result));

    const disagreements = dirs.filter((d, i) => {
      const kept = readFileSync(join(d, 'session-secret'), 'utf8').trim();
      return results.some((got) => got[i] !== kept);
    });
    expect(disagreements).toEqual([]);
    for (const d of dirs) expect(readdirSync(d)).toEqual(['session-secret']);
  });
});
