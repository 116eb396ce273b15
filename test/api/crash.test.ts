/**
 * Crash safety: `fyrkant serve` as a child process places 20 enrollment calls against a sipp that
 * rings for a long time before answering, and is killed with SIGKILL while they are in progress.
 * The database must pass `PRAGMA integrity_check`, and after a restart every attempt is terminal
 * (`interrupted`) and nothing enrolled before the crash is lost.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createApiKey, openStore } from '../../src/store';
import { writeCallConfig } from '../support/call-config';
import { spawnCli, waitForExit, waitForJsonLine } from '../support/cli';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { answerScenario } from '../support/peers/sipp-scenarios';
import { freeEvenPortPair, freePort } from '../support/ports';

jest.setTimeout(300_000);

const dir = mkdtempSync(join(tmpdir(), 'fyrkant-crash-'));
const dbPath = join(dir, 'data', 'fyrkant.db');
let configFile: string;
let trunkPort: number;
let key: string;
let server: ChildProcess | undefined;
let sipp: SippPeer | undefined;

async function startServer(): Promise<string> {
  server = spawnCli(['serve'], { env: { FYRKANT_CONFIG: configFile } });
  const up = await waitForJsonLine<{ url: string }>(server, (o) => o.fyrkant === 'listening', 60_000);
  return up.url;
}

beforeAll(async () => {
  trunkPort = await freePort();
  configFile = await writeCallConfig({
    dir,
    promptCacheDir: join(dir, 'prompts'),
    allowSipUriDial: false,
    ringTimeoutSeconds: 120,
    trunk: { uri: `sip:127.0.0.1:${trunkPort}` },
    extra: {
      homeCountry: 'SE',
      http: { address: '127.0.0.1', port: 0 },
      dialPlan: { requestUri: 'sip:{e164}@{host}' },
      jobs: { retentionDays: 30, trunkHealthCron: '0 0 1 1 *', expiryCron: '*/5 * * * *', retentionCron: '17 3 * * *' },
    },
  });
  const store = openStore({ path: dbPath });
  key = createApiKey(store.db, { name: 'crash', scopes: ['admin'] }).key;
  store.close();
});

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGKILL');
    await waitForExit(server).catch(() => {});
  }
  await sipp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function client(base: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
    return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
  };
}

describe('kill -9 in the middle of 20 calls', () => {
  it('leaves a sound database; after restart every attempt is terminal and no enrollment data is lost', async () => {
    let api = client(await startServer());

    // Enrollment data that must survive: a user, an office phone, an app password.
    const keep = await api('POST', '/api/v1/users', { username: 'keep', displayName: 'Keep Me', language: 'sv-SE' });
    const keepPhone = await api('POST', `/api/v1/users/${keep.body.id}/phone-methods`, {
      kind: 'office',
      country: 'SE',
      number: '08-123 456 00',
      extension: '42',
    });
    const appPassword = await api('POST', `/api/v1/users/${keep.body.id}/app-passwords`, { name: 'mail' });
    expect([keep.status, keepPhone.status, appPassword.status]).toEqual([201, 201, 201]);

    // A callee that rings for a minute before answering: every call is still in progress at the kill.
    sipp = await startSippUas({
      scenarioXml: answerScenario({ pauseMs: 60_000 }),
      port: trunkPort,
      mediaPort: await freeEvenPortPair(),
      calls: 20,
      timeoutS: 150,
    });
    const attemptIds: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const u = await api('POST', '/api/v1/users', { username: `u${i}` });
      const m = await api('POST', `/api/v1/users/${u.body.id}/phone-methods`, {
        kind: 'office',
        country: 'SE',
        number: `08-123 456 ${String(i).padStart(2, '0')}`,
      });
      const v = await api('POST', `/api/v1/users/${u.body.id}/phone-methods/${m.body.id}/verify`);
      expect(v.status).toBe(202);
      attemptIds.push(v.body.attemptId);
    }
    // Wait until the first calls ring (the other ten wait for a line: 10 concurrent calls).
    for (let i = 0; i < 200; i++) {
      const ringing = (await api('GET', '/api/v1/attempts?state=ringing')).body.attempts.length;
      if (ringing >= 10) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = (await api('GET', '/api/v1/attempts?limit=100')).body.attempts as { id: string; state: string }[];
    const states = new Set(before.filter((a) => attemptIds.includes(a.id)).map((a) => a.state));
    expect(states.has('ringing')).toBe(true);
    expect(states.has('ended')).toBe(false);

    server!.kill('SIGKILL');
    expect(await waitForExit(server!)).toBe('SIGKILL');
    await sipp.stop();
    sipp = undefined;

    // The file as the killed process left it.
    const raw = new Database(dbPath);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const open = raw.prepare("SELECT count(*) AS n FROM attempts WHERE state != 'ended'").get() as { n: number };
    expect(open.n).toBe(20);
    raw.close();

    api = client(await startServer());
    for (const id of attemptIds) {
      const a = (await api('GET', `/api/v1/attempts/${id}`)).body;
      expect({ id, state: a.state, outcome: a.outcome }).toEqual({ id, state: 'ended', outcome: 'interrupted' });
      expect(a.reason).toMatch(/restart|startades om/);
    }
    expect((await api('GET', '/api/v1/attempts?state=ringing')).body.attempts).toEqual([]);
    const kept = (await api('GET', `/api/v1/users/${keep.body.id}`)).body;
    expect(kept).toMatchObject({ username: 'keep', displayName: 'Keep Me' });
    expect(kept.phoneMethods).toMatchObject([{ e164: '+46812345600', extension: '42' }]);
    expect(
      (await api('POST', '/api/v1/app-passwords/check', { username: 'keep', password: appPassword.body.password }))
        .body,
    ).toEqual({
      valid: true,
    });
    const after = new Database(dbPath, { readonly: true });
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    after.close();

    server!.kill('SIGTERM');
    expect(await waitForExit(server!, 20_000)).toBe(0);
  });
});
