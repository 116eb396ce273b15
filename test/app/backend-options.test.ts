import { drachtioOptions } from '../../src/app/backend-options';
import { embeddedBackendFromConfig, sipCoreOptions, sipStatsOf } from '../../src/app/embedded-backend';
import { type DeepPartial, loadConfig } from '../../src/config';
import type { Config } from '../../src/config/schema';

const config = (o: DeepPartial<Config> = {}) => loadConfig({ env: {}, overrides: o }).config;

describe('config → adapter options', () => {
  it('SIP core: listen, timers, trunk identity and auth; nulls stay absent', () => {
    const o = sipCoreOptions(
      config({
        sip: {
          port: 5999,
          trunk: {
            uri: 'sip:pbx.example.com:5062',
            username: 'fyrkant',
            password: 'pw',
            callerId: '+46812345000',
            register: { enabled: true },
            keepaliveSeconds: 15,
          },
        },
      }),
    );
    expect(o).toMatchObject({
      listen: { host: '127.0.0.1', port: 5999 },
      transport: 'udp',
      timers: { t1: 500, t2: 4000, t4: 5000 },
      trunk: {
        uri: 'sip:pbx.example.com:5062',
        username: 'fyrkant',
        password: 'pw',
        fromUser: '+46812345000',
        register: { expires: 3600 },
        keepaliveIntervalMs: 15_000,
      },
    });
    expect(o.trunk).not.toHaveProperty('outboundProxy');
    expect(o).not.toHaveProperty('contactHost');
  });

  it('drachtio: secrets, FreeSWITCH call-back, trunk proxy/auth/from, prompt path mapping', () => {
    const o = drachtioOptions(
      config({
        telephony: { backend: 'drachtio' },
        drachtio: {
          secret: 'cymru',
          freeswitch: { advertisedAddress: '10.0.0.2', secret: 'esl-pw' },
          promptPathMapping: { localDir: '/var/lib/fyrkant/prompts', remoteDir: '/prompts' },
        },
        sip: {
          trunk: {
            uri: 'sip:pbx.example.com',
            username: 'u',
            password: 'p',
            pAssertedIdentity: '<sip:+46812345000@pbx>',
          },
        },
      }),
    );
    expect(o).toMatchObject({
      drachtio: { host: '127.0.0.1', port: 9022, secret: 'cymru' },
      freeswitch: {
        address: '127.0.0.1',
        port: 8021,
        secret: 'esl-pw',
        advertisedAddress: '10.0.0.2',
        profile: 'drachtio_mrf',
      },
      trunk: {
        probeUri: 'sip:pbx.example.com',
        auth: { username: 'u', password: 'p' },
        from: { user: 'fyrkant', host: 'pbx.example.com', displayName: 'fyrkant' },
        headers: { 'P-Asserted-Identity': '<sip:+46812345000@pbx>' },
      },
      media: { promptDirLocal: '/var/lib/fyrkant/prompts', promptDirRemote: '/prompts' },
    });
    // Routing follows the request URI unless an outbound proxy is configured explicitly.
    expect(o.trunk).not.toHaveProperty('proxy');
  });

  it('media.inbandDtmf reaches both backends (default auto); other values are refused', () => {
    expect(config().media.inbandDtmf).toBe('auto');
    const c = config({
      telephony: { backend: 'drachtio' },
      drachtio: { secret: 's', freeswitch: { secret: 'e' } },
      media: { inbandDtmf: 'never' },
    });
    expect(drachtioOptions(c).media.inbandDtmf).toBe('never');
    const backend = embeddedBackendFromConfig(config({ media: { inbandDtmf: 'always' } }));
    expect(
      (backend as unknown as { options: { dtmf: { inbandDetection: string } } }).options.dtmf.inbandDetection,
    ).toBe('always');
    expect(() => config({ media: { inbandDtmf: 'sometimes' as 'auto' } })).toThrow(/inbandDtmf/);
  });

  it('media.rtpSource reaches the embedded backend (default same-host); other values are refused', () => {
    expect(config().media.rtpSource).toBe('same-host');
    const backend = embeddedBackendFromConfig(config({ media: { rtpSource: 'strict' } }));
    expect((backend as unknown as { options: { media: { rtpSource: string } } }).options.media.rtpSource).toBe(
      'strict',
    );
    expect(() => config({ media: { rtpSource: 'anyone' as 'learn' } })).toThrow(/rtpSource/);
  });

  it('media.workerHangMs reaches the embedded backend (default 2000); /metrics counts hangs apart', () => {
    expect(config().media.workerHangMs).toBe(2000);
    const backend = embeddedBackendFromConfig(config({ media: { workers: 0, workerHangMs: 5000 } }));
    expect((backend as unknown as { options: { media: { workerHangMs: number } } }).options.media.workerHangMs).toBe(
      5000,
    );
    expect(sipStatsOf(backend)?.()).toMatchObject({
      mediaWorkers: 0,
      mediaWorkerRestarts: 0,
      mediaWorkerHangs: 0,
      mediaCallsLostToWorkerFailure: 0,
    });
    expect(() => config({ media: { workerHangMs: 50 } })).toThrow(/workerHangMs/);
  });
});
