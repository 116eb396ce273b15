/**
 * Spawning a real SIP peer for a test: temp dir, logs collected, readiness polling, and cleanup that
 * kills exactly the process we started (by PID).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  readonly dir: string;
  readonly child: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** Every file in the temp dir (logs), concatenated with headers — for failure messages. */
  logs(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Kill (SIGTERM, then SIGKILL) and remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fyrkant-${prefix}-`));
}

export function spawnPeer(
  name: string,
  binary: string,
  args: readonly string[],
  dir: string,
  env?: NodeJS.ProcessEnv,
): PeerProcess {
  const child = spawn(binary, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      out += `\nspawn error: ${err.message}`;
      resolve(-1);
    });
  });
  let stopped = false;
  return {
    name,
    pid: child.pid ?? -1,
    dir,
    child,
    output: () => out,
    logs: () => {
      let all = '';
      try {
        for (const f of readdirSync(dir)) {
          try {
            all += `--- ${f}\n${readFileSync(join(dir, f), 'utf8').slice(0, 20000)}\n`;
          } catch {
            // directories etc.
          }
        }
      } catch {
        // dir gone
      }
      return all;
    },
    exited,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        let timer: NodeJS.Timeout | undefined;
        const killed = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((r) => {
            timer = setTimeout(() => r(false), 2000);
          }),
        ]);
        clearTimeout(timer);
        if (!killed) {
          try {
            process.kill(child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
          await exited;
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True once something holds the UDP port on 127.0.0.1 (we can no longer bind it). */
export function udpPortBound(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(true));
    s.bind(port, host, () => s.close(() => resolve(false)));
  });
}

/** Poll until `check` is true or the peer exits; throws with its output on timeout. */
export async function waitUntil(
  peer: PeerProcess,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void peer.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (await check()) {
      // The port may be held by someone else while our peer failed to bind it: make sure it is still up.
      await delay(50);
      if (exited) throw new Error(`${peer.name} exited early:\n${peer.output()}\n${peer.logs()}`);
      return;
    }
    if (exited) throw new Error(`${peer.name} exited early:\n${peer.output()}\n${peer.logs()}`);
    await delay(20);
  }
  throw new Error(`${peer.name} not ready after ${timeoutMs} ms:\n${peer.output()}`);
}

/** True once something accepts TCP connections on the port. */
export function tcpPortListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * A free port can be taken between `freePort()` and the peer binding it (other workers, ephemeral
 * ports): start again with a new port when the peer failed to bind.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      if (i >= attempts || !/address already in use|cannot bind|unable to bind|bind\(|EADDRINUSE/i.test(text))
        throw err;
    }
  }
}
