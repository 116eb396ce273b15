/**
 * Running the `fyrkant` CLI as a child process from the TypeScript sources (no build needed).
 * `runCli` waits for the exit; `spawnCli` gives the process for long-running commands (serve).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
const HOOK = join(REPO_ROOT, 'test', 'support', 'swc-register.js');
const MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');

/** Environment for a child: no inherited FYRKANT_ settings, plus the given ones. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FYRKANT_')) env[k] = v;
  return { ...env, ...extra };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      ['-r', HOOK, MAIN, ...args],
      {
        cwd: options.cwd ?? REPO_ROOT,
        env: cliEnv(options.env),
        timeout: options.timeoutMs ?? 60_000,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

export function spawnCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): ChildProcess {
  return spawn(process.execPath, ['-r', HOOK, MAIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: cliEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the first stdout JSON line for which `match` is true (logs are JSON lines too). */
export function waitForJsonLine<T = Record<string, unknown>>(
  child: ChildProcess,
  match: (obj: Record<string, unknown>) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    let buf = '';
    let errBuf = '';
    const timer = setTimeout(
      () => done(new Error(`timed out waiting for output; stderr: ${errBuf.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        try {
          const obj = JSON.parse(line) as Record<string, unknown>;
          if (match(obj)) return done(undefined, obj as T);
        } catch {
          // not JSON: ignore
        }
      }
    };
    const onErr = (chunk: Buffer) => {
      errBuf += chunk.toString('utf8');
    };
    const onExit = (code: number | null) =>
      done(new Error(`exited with ${code} before the expected output; stderr: ${errBuf.slice(-2000)}`));
    function done(err?: Error, value?: T) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolvePromise(value as T);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}

/** Resolves with the exit code (or signal name); rejects after the timeout (the caller then kills). */
export function waitForExit(child: ChildProcess, timeoutMs = 10_000): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('process did not exit in time')), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise(code ?? signal ?? -1);
    });
  });
}
