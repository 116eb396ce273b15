/**
 * `telephony.backend: drachtio` in the config → the app's backend registry builds and starts the
 * drachtio backend (secrets from the environment, as in production), and it places a call.
 */
import pino from 'pino';
import { startBackend } from '../../src/app/backends';
import { loadConfig } from '../../src/config';
import { freePort } from '../support/ports';
import { type Rig, startRig } from './rig';

describe('backend registry: drachtio', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ startBackend: false });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('starts the drachtio backend from config and env, and it dials', async () => {
    const o = rig.options;
    const { config } = loadConfig({
      env: {
        FYRKANT_TELEPHONY__BACKEND: 'drachtio',
        FYRKANT_DRACHTIO__SECRET: o.drachtio.secret,
        FYRKANT_DRACHTIO__FREESWITCH__SECRET: o.freeswitch.secret,
      },
      overrides: {
        drachtio: {
          host: '127.0.0.1',
          port: o.drachtio.port,
          freeswitch: {
            address: '127.0.0.1',
            port: o.freeswitch.port,
            listenAddress: '127.0.0.1',
            listenPort: await freePort(),
          },
          promptPathMapping: { localDir: o.media.promptDirLocal, remoteDir: o.media.promptDirRemote },
        },
      },
    });
    const status = await startBackend({ config, logger: pino({ level: 'silent' }) });
    expect(status.available).toBe(true);
    const backend = status.backend;
    try {
      expect(backend.name).toBe('drachtio');
      expect(await backend.health()).toMatchObject({ backend: 'drachtio', connected: true });
      const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
      const call = await backend.dial({
        attemptId: 'att-registry',
        requestUri: pbx.requestUri,
        policyDecisionId: 'pd',
        ringTimeoutMs: 3000,
        trace: () => undefined,
      });
      await call.play(await rig.prompt(200), { bargeIn: true });
      await call.hangup();
      expect((await pbx.result(3000)).byeFromBackend).toBe(true);
    } finally {
      await backend.stop();
    }
  });

  it('a drachtio backend that cannot connect is reported unavailable, not a crash', async () => {
    const { config } = loadConfig({
      env: {
        FYRKANT_TELEPHONY__BACKEND: 'drachtio',
        FYRKANT_DRACHTIO__SECRET: 'wrong-secret',
        FYRKANT_DRACHTIO__FREESWITCH__SECRET: 'esl-pw',
      },
      overrides: { drachtio: { host: '127.0.0.1', port: rig.options.drachtio.port } },
    });
    const status = await startBackend({ config, logger: pino({ level: 'silent' }) });
    expect(status.available).toBe(false);
    expect(status.available === false && status.reason).toMatch(/drachtio-server refused us/);
  });
});
