import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createAttempt, getAttempt, openStore, transitionAttempt } from '../../src/store';
import { DialFailure } from '../../src/telephony/port';
import { FakeTelephony } from '../support/fake-telephony';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-app-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function config() {
  return loadConfig({
    env: {},
    cwd: dir,
    overrides: { http: { port: 0 }, dataDir: join(dir, 'data'), database: { path: join(dir, 'data', 'f.db') } },
  }).config;
}

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination: stream }) };
}

describe('composition root', () => {
  it('without a registered backend: starts, reports it unavailable in /healthz and the log, dials fail as unavailable', async () => {
    const { lines, logger } = capture();
    const app = await startApp(config(), { logger, backendFactories: { embedded: undefined, drachtio: undefined } });
    try {
      const health = (await (await fetch(`${app.url}/healthz`)).json()) as {
        backend: { available: boolean; detail: string };
      };
      expect(health.backend).toMatchObject({ available: false, detail: expect.stringMatching(/not built into/) });
      expect(lines.some((l) => l.level === 40 && /telephony backend unavailable/.test(String(l.msg)))).toBe(true);
      await expect(
        app.ctx.backend.dial({
          attemptId: 'a',
          requestUri: 'sip:x@y',
          policyDecisionId: 'd',
          ringTimeoutMs: 1000,
          trace: () => {},
        }),
      ).rejects.toBeInstanceOf(DialFailure);
    } finally {
      await app.stop();
    }
  });

  it('a backend that fails to start is reported with the reason, not a crash', async () => {
    const { logger } = capture();
    const app = await startApp(config(), {
      logger,
      backendFactories: {
        embedded: () => {
          throw new Error('EADDRINUSE 127.0.0.1:5060');
        },
        drachtio: undefined,
      },
    });
    try {
      const health = (await (await fetch(`${app.url}/healthz`)).json()) as { backend: { detail: string } };
      expect(health.backend.detail).toBe('failed to start: EADDRINUSE 127.0.0.1:5060');
    } finally {
      await app.stop();
    }
  });

  it('wires a registered backend, HTTP plugins and services; stops them in reverse order', async () => {
    const { logger } = capture();
    const fake = new FakeTelephony();
    const order: string[] = [];
    const app = await startApp(config(), {
      logger,
      backendFactories: { embedded: () => fake, drachtio: undefined },
      services: [
        () => ({
          name: 's1',
          start: async () => void order.push('start s1'),
          stop: async () => void order.push('stop s1'),
        }),
        () => ({
          name: 's2',
          start: async () => void order.push('start s2'),
          stop: async () => void order.push('stop s2'),
        }),
      ],
      httpPlugins: [
        (ctx) => ({
          name: 'hello',
          plugin: async (http) => {
            http.get('/hello', async () => ({ company: ctx.config.companyName, calls: ctx.policy.activeCalls }));
          },
        }),
      ],
    });
    expect(fake.started).toBe(true);
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { backend: { connected: boolean } };
    expect(health.backend.connected).toBe(true);
    expect(await (await fetch(`${app.url}/hello`)).json()).toEqual({ company: 'Example AB', calls: 0 });
    await app.stop();
    await app.stop(); // idempotent
    expect(fake.stopped).toBe(true);
    expect(order).toEqual(['start s1', 'start s2', 'stop s2', 'stop s1']);
  });

  it('ends attempts a previous run left unfinished as interrupted', async () => {
    const c = config();
    const store = openStore({ path: c.database.path });
    const a = createAttempt(store.db, { purpose: 'test' });
    transitionAttempt(store.db, a.id, { to: 'ringing' });
    store.close();
    const { logger } = capture();
    const app = await startApp(c, { logger, backendFactories: { embedded: undefined, drachtio: undefined } });
    try {
      expect(getAttempt(app.ctx.store.db, a.id)).toMatchObject({ state: 'ended', outcome: 'interrupted' });
    } finally {
      await app.stop();
    }
  });
});
