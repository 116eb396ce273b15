/**
 * `fyrkant serve` with the drachtio backend on the REAL servers: an office phone enrolled through the
 * REST API is verified by a real call to a sipp callee (as the trunk) that presses #.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, openStore } from '../../src/store';
import { startSippFarEnd } from '../contract/sipp-far-end';
import { writeCallConfig } from '../support/call-config';
import { spawnCli, waitForExit, waitForJsonLine } from '../support/cli';
import { freePort } from '../support/ports';
import { drachtioConfig, realServers } from './real-env';

jest.setTimeout(180_000);
const real = realServers();

describe(`fyrkant serve --backend drachtio on real servers (${real.versions || 'versions not given'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-serve-real-'));
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await waitForExit(server).catch(() => {});
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies an office phone enrolled through the REST API; /healthz and /readyz say both servers are up', async () => {
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'prompts'), { mode: 0o755 });
    const trunkPort = await freePort();
    const configFile = await writeCallConfig({
      dir,
      promptCacheDir: join(dir, 'prompts'),
      allowSipUriDial: false,
      ringTimeoutSeconds: 10,
      trunk: { uri: `sip:127.0.0.1:${trunkPort}` },
      extra: {
        homeCountry: 'SE',
        telephony: { backend: 'drachtio', allowSipUriDial: false, ringTimeoutSeconds: 10 },
        http: { address: '127.0.0.1', port: 0 },
        dialPlan: { requestUri: 'sip:{e164}@{host}' },
        drachtio: drachtioConfig(real, await freePort()),
      },
    });
    const store = openStore({ path: join(dir, 'data', 'fyrkant.db') });
    const key = createApiKey(store.db, { name: 'real', scopes: ['admin'] }).key;
    store.close();
    server = spawnCli(['serve'], { env: { FYRKANT_CONFIG: configFile } });
    const { url } = await waitForJsonLine<{ url: string }>(server, (o) => o.fyrkant === 'listening', 60_000);
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
      return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
    };
    const health = (await (await fetch(`${url}/healthz`)).json()) as { backend: { detail: string } };
    expect(health.backend).toMatchObject({ backend: 'drachtio', connected: true });
    expect(health.backend.detail).toMatch(/drachtio-server: up .*FreeSWITCH: up/);
    // The backend check only: no trunk answers OPTIONS here (the sipp callee is not up yet).
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { checks: { backend: { ok: boolean } } };
    expect(ready.checks.backend.ok).toBe(true);

    const far = await startSippFarEnd(
      { final: { kind: 'answer' }, afterAnswer: [{ atMs: 3000, kind: 'dtmf', digits: '#', via: 'rfc4733' }] },
      trunkPort,
    );
    try {
      const user = await api('POST', '/api/v1/users', { username: 'real', language: 'en-US' });
      const method = await api('POST', `/api/v1/users/${user.body.id}/phone-methods`, {
        kind: 'office',
        country: 'SE',
        number: '08-123 456 00',
      });
      const started = await api('POST', `/api/v1/users/${user.body.id}/phone-methods/${method.body.id}/verify`);
      expect(started.status).toBe(202);
      let attempt: { state: string; outcome?: string } = { state: 'queued' };
      for (let i = 0; i < 600 && attempt.state !== 'ended'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        attempt = (await api('GET', `/api/v1/attempts/${started.body.attemptId}`)).body;
      }
      expect(attempt).toMatchObject({ state: 'ended', outcome: 'approved' });
      const after = (await api('GET', `/api/v1/users/${user.body.id}`)).body;
      expect(after.phoneMethods[0]).toMatchObject({ verified: true });
      const report = await far.result(10_000);
      expect(report.inviteSdp).not.toMatch(/^a=crypto:/m);
      expect(report.audio.packets).toBeGreaterThan(50);
    } finally {
      await far.stop();
    }
    server.kill('SIGTERM');
    expect(await waitForExit(server, 15_000)).toBe(0);
  });
});
