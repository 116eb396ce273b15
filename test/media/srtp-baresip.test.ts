/**
 * SRTP with SDES against a real peer: baresip (Debian's baresip-core) with its `srtp` media
 * encryption module, `mediaenc=srtp-mand` (RTP/SAVP + a=crypto). fyrkant's embedded backend dials it
 * directly; keys are exchanged in the SDP, then DTMF goes both ways over SRTP — baresip only reports a
 * digit it could authenticate and decrypt, and so does fyrkant.
 */
import { createSocket } from 'node:dgram';
import { createEmbeddedBackend, type EmbeddedBackend } from '../../src/telephony/embedded/backend';
import { writeRtpHeader } from '../../src/telephony/embedded/media/rtp/packet';
import type { SrtpPolicy } from '../../src/telephony/embedded/media/sdp/sdes';
import { createSipSignalling } from '../../src/telephony/embedded/sip';
import type { DtmfEvent, TraceEvent } from '../../src/telephony/port';
import { type BaresipPeer, startBaresip } from '../support/peers/baresip';
import { freePort } from '../support/ports';
import { until } from '../support/until';

jest.setTimeout(60_000);

describe('SRTP (SDES) with baresip', () => {
  let backend: EmbeddedBackend | undefined;
  let phone: BaresipPeer | undefined;
  afterEach(async () => {
    await backend?.stop();
    await phone?.stop();
    backend = phone = undefined;
  });

  async function setup(
    srtp: SrtpPolicy,
    mediaenc: string | undefined,
  ): Promise<{ b: EmbeddedBackend; p: BaresipPeer }> {
    phone = await startBaresip({
      // srtp.so before the account that names its mediaenc; menu (loaded by default) has `sndcode`.
      ...(mediaenc ? { modules: ['srtp.so'] } : {}),
      ...(mediaenc ? { accountParams: `;mediaenc=${mediaenc}` } : {}),
    });
    const base = await freePort();
    backend = createEmbeddedBackend({
      signalling: createSipSignalling({
        listen: { host: '127.0.0.1', port: 0 },
        transport: 'udp',
        timers: { t1: 100, t2: 400, t4: 500 },
        trunk: { uri: phone.uri(), fromUser: 'fyrkant' },
      }),
      media: { address: '127.0.0.1', rtpPortMin: base, rtpPortMax: Math.min(65535, base + 199), srtp, workers: 2 },
    });
    await backend.start();
    return { b: backend, p: phone };
  }

  const dial = (b: EmbeddedBackend, p: BaresipPeer, trace: TraceEvent[]) =>
    b.dial({
      attemptId: 'a',
      requestUri: p.uri(),
      policyDecisionId: 'p',
      ringTimeoutMs: 10_000,
      trace: (e) => trace.push(e),
    });

  const heardByPhone = (p: BaresipPeer) =>
    p.events
      .filter((e) => e.type === 'CALL_DTMF_START')
      .map((e) => String(e.param ?? ''))
      .join('');

  async function digitsBothWays(srtp: SrtpPolicy, mediaenc: string | undefined, forge = false) {
    const { b, p } = await setup(srtp, mediaenc);
    const trace: TraceEvent[] = [];
    const call = await dial(b, p, trace);
    const got: DtmfEvent[] = [];
    call.on('dtmf', (e) => got.push(e));
    await p.waitEvent('CALL_ESTABLISHED', 10_000);
    if (forge) {
      // Someone on the phone's own host sends a plain RTP '#' (told the port): without the key it
      // cannot authenticate, whatever the source policy would have said.
      const started = trace.find((e) => e.kind === 'media' && e.stats?.localPort !== undefined);
      const port = Number(started?.kind === 'media' ? started.stats?.localPort : 0);
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      for (let i = 0; i < 9; i++) {
        const pkt = Buffer.alloc(16 + 10);
        writeRtpHeader(pkt, 101, i === 0, 500 + i, 8000, 0x5eed);
        pkt.set([11, i < 6 ? 10 : 0x8a, 3, 0xc0], 12);
        await new Promise<void>((r) => s.send(pkt, port, '127.0.0.1', () => r()));
      }
      s.close();
    }
    await call.sendDigits('1');
    await until(() => heardByPhone(p).includes('1'), 'baresip to hear 1', 10_000);
    await p.command('sndcode', '#');
    await until(() => got.length > 0, "fyrkant to hear baresip's #", 10_000);
    await call.hangup();
    const media = trace.filter((e) => e.kind === 'media');
    const start = media.find((e) => e.kind === 'media' && /local :\d+/.test(e.summary));
    const end = media.find((e) => e.kind === 'media' && e.stats?.packetsReceived !== undefined);
    return {
      got: got.map((e) => `${e.digit}:${e.source}`),
      offer: trace
        .map((e) => (e.kind === 'sip' && e.direction === 'out' && /^INVITE/.test(e.summary) ? e.raw : ''))
        .join(''),
      summary: start?.kind === 'media' ? start.summary : '',
      stats: end?.kind === 'media' ? end.stats : undefined,
    };
  }

  it('required: RTP/SAVP with a=crypto; baresip (srtp-mand) hears our 1 and we hear its # over SRTP', async () => {
    const r = await digitsBothWays('required', 'srtp-mand', true);
    expect(r.got).toEqual(['#:rfc4733']);
    expect(r.offer).toMatch(
      /m=audio \d+ RTP\/SAVP 0 8 101\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}\r\n/,
    );
    expect(r.summary).toContain('SRTP AES_CM_128_HMAC_SHA1_80 (SDES)');
    // The 9 forged plain-RTP packets failed authentication; baresip's all passed.
    expect(r.stats).toMatchObject({ srtp: 'AES_CM_128_HMAC_SHA1_80', srtpRejected: 9 });
    expect(Number(r.stats?.packetsReceived)).toBeGreaterThan(10);
  });

  it('optional: baresip with best-effort SRTP (mediaenc=srtp) gets SRTP', async () => {
    const r = await digitsBothWays('optional', 'srtp');
    expect(r.got).toEqual(['#:rfc4733']);
    expect(r.summary).toContain('SRTP AES_CM_128_HMAC_SHA1_80 (SDES)');
  });

  it('optional: a phone without SRTP answers plain RTP and the call works unencrypted', async () => {
    const r = await digitsBothWays('optional', undefined);
    expect(r.got).toEqual(['#:rfc4733']);
    expect(r.summary).not.toContain('SRTP');
    expect(r.stats?.srtp).toBeUndefined();
  });

  it('required: a phone without SRTP fails the call, saying why (never a plain-RTP call)', async () => {
    const { b, p } = await setup('required', undefined);
    const err = await dial(b, p, []).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: expect.stringMatching(/media|rejected|unavailable/) });
    expect(err).toMatchObject({ sipStatus: 488 });
    expect(String((err as Error).message)).toMatch(/refused the SRTP offer.*sip\.trunk\.srtp is required/);
  });
});
