/**
 * Through a PBX stand-in: kamailio challenges our INVITE with 407, record-routes and relays to a
 * baresip registered as extension 1001. ACK and BYE must traverse the route set; BYE both directions.
 */
import type { SipSignalling } from '../../src/telephony/embedded/sip';
import { type BaresipPeer, startBaresip } from '../support/peers/baresip';
import { type KamailioPeer, startKamailio } from '../support/peers/kamailio';
import { makeUa, OFFER, traceCollector } from './support/ua';

describe('SIP core ↔ kamailio (407, record-route) ↔ baresip 1001', () => {
  let kam: KamailioPeer | undefined;
  let phone: BaresipPeer | undefined;
  let ua: SipSignalling | undefined;

  afterEach(async () => {
    await ua?.stop();
    await phone?.stop();
    await kam?.stop();
    ua = kam = phone = undefined;
  });

  async function setup(
    algorithm: 'MD5' | 'SHA-256' = 'MD5',
    password = 'trunk-secret',
    challengeByeFrom?: string,
  ): Promise<SipSignalling> {
    const users = { fyrkant: 'trunk-secret', '1001': 'phone-secret' };
    if (algorithm === 'MD5') {
      kam = await startKamailio({ users, algorithm, ...(challengeByeFrom ? { challengeByeFrom } : {}) });
      phone = await startBaresip({
        user: '1001',
        registrar: { hostport: `127.0.0.1:${kam.port}`, password: 'phone-secret' },
      });
    } else {
      // baresip 1.0 cannot answer SHA-256 challenges, so it cannot register here: route 1001 to it statically.
      phone = await startBaresip({ user: '1001' });
      kam = await startKamailio({
        users,
        algorithm,
        extraRouteLines: `  if ($rU == "1001") { record_route(); $du = "sip:127.0.0.1:${phone.sipPort}"; t_relay(); exit; }`,
      });
    }
    ua = makeUa({
      trunkUri: kam.uri(),
      trunk: { uri: '', fromUser: 'fyrkant', username: 'fyrkant', password, displayName: 'Fyrkant Verify' },
    });
    await ua.start();
    return ua;
  }

  it('authenticates with 407, reaches 1001, ACK and our BYE follow the route set', async () => {
    const u = await setup();
    const trace = traceCollector();
    const dialog = await u.invite({
      requestUri: kam!.uri('1001'),
      offer: OFFER,
      ringTimeoutMs: 8000,
      trace: trace.sink,
    });
    expect(dialog.remoteBody?.content).toContain('m=audio');
    await phone!.waitEvent('CALL_ESTABLISHED');
    const sip = trace.events.flatMap((e) => (e.kind === 'sip' ? [e] : []));
    expect(sip.map((e) => `${e.direction} ${e.summary}`)).toEqual(
      expect.arrayContaining([
        'in 407 Proxy Authentication Required (INVITE)',
        expect.stringMatching(/^in 200 .*\(INVITE\)$/),
        expect.stringMatching(/^out ACK sip:1001/),
      ]),
    );
    const ok = sip.find((e) => e.direction === 'in' && /^200 .*\(INVITE\)$/.test(e.summary))!;
    expect(ok.raw).toMatch(/\r\nRecord-Route: <sip:127\.0\.0\.1:\d+;lr/i);
    // The ACK of the 2xx (the first ACK answered the 407 hop by hop).
    const ack = sip.filter((e) => e.direction === 'out' && e.summary.startsWith('ACK')).at(-1)!;
    expect(ack.raw).toMatch(new RegExp(`\\r\\nRoute: <sip:127\\.0\\.0\\.1:${kam!.port};lr`));
    expect(ack.peer).toBe(`udp:127.0.0.1:${kam!.port}`);
    // The 407's credentials are in the trace only redacted.
    const authed = sip.filter((e) => e.direction === 'out' && e.summary.startsWith('INVITE'));
    expect(authed).toHaveLength(2);
    expect(authed[1]!.raw).toContain('Proxy-Authorization: <redacted>');
    expect(authed[1]!.raw).toContain('From: "Fyrkant Verify" <sip:fyrkant@127.0.0.1');

    const ended = new Promise<{ by: string; status?: number }>((r) => dialog.once('terminated', r));
    await dialog.bye();
    expect(await ended).toMatchObject({ by: 'local', status: 200 });
    await phone!.waitEvent('CALL_CLOSED');
    const bye = trace.events.find((e) => e.kind === 'sip' && e.direction === 'out' && e.summary.startsWith('BYE'));
    expect(bye?.kind === 'sip' && bye.raw).toMatch(/\r\nRoute: <sip:127\.0\.0\.1:\d+;lr/);
    expect(bye?.kind === 'sip' && bye.peer).toBe(`udp:127.0.0.1:${kam!.port}`);
    expect(u.activeDialogs).toBe(0);
  }, 20000);

  it('kamailio challenges our BYE with 407: it is sent again with credentials and reaches 1001', async () => {
    const u = await setup('MD5', 'trunk-secret', 'fyrkant');
    const trace = traceCollector();
    const dialog = await u.invite({
      requestUri: kam!.uri('1001'),
      offer: OFFER,
      ringTimeoutMs: 8000,
      trace: trace.sink,
    });
    await phone!.waitEvent('CALL_ESTABLISHED');
    const ended = new Promise<{ by: string; status?: number }>((r) => dialog.once('terminated', r));
    await dialog.bye();
    expect(await ended).toMatchObject({ by: 'local', status: 200 });
    await phone!.waitEvent('CALL_CLOSED');
    expect(trace.summaries()).toEqual(expect.arrayContaining(['in 407 Proxy Authentication Required (BYE)']));
    const byes = trace.events.filter((e) => e.kind === 'sip' && e.direction === 'out' && e.summary.startsWith('BYE'));
    expect(byes).toHaveLength(2);
    expect(byes[1]?.kind === 'sip' && byes[1].raw).toContain('Proxy-Authorization: <redacted>');
    expect(u.activeDialogs).toBe(0);
  }, 20000);

  it('the phone hangs up: its BYE reaches us through kamailio', async () => {
    const u = await setup();
    const trace = traceCollector();
    const dialog = await u.invite({
      requestUri: kam!.uri('1001'),
      offer: OFFER,
      ringTimeoutMs: 8000,
      trace: trace.sink,
    });
    await phone!.waitEvent('CALL_ESTABLISHED');
    const ended = new Promise<{ by: string }>((r) => dialog.once('terminated', r));
    const r = await phone!.command('hangup');
    expect(r).toMatchObject({ ok: true });
    expect((await ended).by).toBe('remote');
    const bye = trace.events.find((e) => e.kind === 'sip' && e.direction === 'in' && e.summary.startsWith('BYE'));
    expect(bye?.kind === 'sip' && bye.peer).toBe(`udp:127.0.0.1:${kam!.port}`);
    expect(u.activeDialogs).toBe(0);
  }, 20000);

  it('answers a SHA-256 (RFC 8760) proxy challenge', async () => {
    const u = await setup('SHA-256');
    const trace = traceCollector();
    const dialog = await u.invite({
      requestUri: kam!.uri('1001'),
      offer: OFFER,
      ringTimeoutMs: 8000,
      trace: trace.sink,
    });
    const challenge = trace.events.find((e) => e.kind === 'sip' && e.summary.startsWith('407'));
    expect(challenge?.kind === 'sip' && challenge.raw).toMatch(/algorithm=SHA-256/);
    const authed = trace.events.filter(
      (e) => e.kind === 'sip' && e.direction === 'out' && e.summary.startsWith('INVITE'),
    );
    expect(authed).toHaveLength(2);
    await dialog.bye();
    expect(u.activeDialogs).toBe(0);
  }, 20000);

  it('a wrong trunk password ends as auth-failed after one retry', async () => {
    const u = await setup('MD5', 'wrong');
    const trace = traceCollector();
    const err = await u
      .invite({ requestUri: kam!.uri('1001'), offer: OFFER, ringTimeoutMs: 8000, trace: trace.sink })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth-failed', status: 407 });
    expect(trace.summaries().filter((s) => s.startsWith('out INVITE'))).toHaveLength(2);
  }, 20000);

  it('registers with the PBX (401 challenge) and probes it with OPTIONS', async () => {
    kam = await startKamailio({ users: { fyrkant: 'trunk-secret' } });
    ua = makeUa({
      trunkUri: kam.uri(),
      trunk: { uri: '', fromUser: 'fyrkant', username: 'fyrkant', password: 'trunk-secret', register: { expires: 60 } },
    });
    await ua.start();
    const trunk = ua.trunk;
    const start = Date.now();
    while (trunk.registration.state !== 'registered' && Date.now() - start < 5000)
      await new Promise((r) => setTimeout(r, 20));
    expect(trunk.registration).toMatchObject({ state: 'registered', expires: 60 });
    expect(await ua.probeTrunk()).toBe(200);
    expect(trunk.health).toBe('reachable');
  }, 20000);
});
