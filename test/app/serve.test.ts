import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, waitForExit, waitForJsonLine } from '../support/cli';
import { serveEnv } from '../support/serve-env';

let dir: string;
let child: ChildProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-serve-'));
});
afterEach(async () => {
  if (child && child.exitCode === null && child.pid) {
    child.kill('SIGKILL');
    await waitForExit(child).catch(() => {});
  }
  child = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('fyrkant serve (child process)', () => {
  it('starts on the defaults, answers GET /healthz 200, and stops cleanly on SIGTERM', async () => {
    child = spawnCli(['serve'], { env: await serveEnv(dir) });
    const lines: Record<string, unknown>[] = [];
    child.stdout?.on('data', (b: Buffer) => {
      for (const l of b.toString('utf8').split('\n'))
        try {
          lines.push(JSON.parse(l));
        } catch {}
    });
    const up = await waitForJsonLine<{ url: string }>(child, (o) => o.fyrkant === 'listening');
    const res = await fetch(`${up.url}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; backend: { backend: string; connected: boolean } };
    expect(body.status).toBe('ok');
    // The embedded backend is wired in by default and its SIP/RTP sockets are open.
    expect(body.backend).toMatchObject({ backend: 'embedded', connected: true });

    child.kill('SIGTERM');
    expect(await waitForExit(child, 10_000)).toBe(0);
    expect(lines.some((l) => l.msg === 'stopped')).toBe(true);
    // The backend's availability is always stated in the log at start, never silently.
    expect(lines.some((l) => l.msg === 'fyrkant is up' && typeof l.available === 'boolean')).toBe(true);
    await expect(fetch(`${up.url}/healthz`)).rejects.toThrow();
  });

  it('refuses to start with a broken config, naming the problem (exit 2)', async () => {
    child = spawnCli(['serve'], { env: { ...(await serveEnv(dir)), FYRKANT_HTTP__PORT: 'x' } });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
    });
    expect(await waitForExit(child)).toBe(2);
    expect(stderr).toContain('environment variable FYRKANT_HTTP__PORT: http.port:');
  });
});
