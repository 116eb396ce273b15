/** Unsolicited traffic at a live UA: refused INVITEs, 481s, scanners, floods, garbage, oversize datagrams. */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { SipSignalling } from '../../src/telephony/embedded/sip';
import { makeUa, waitFor } from './support/ua';

function request(
  method: string,
  opts: { callId: string; toTag?: string; ua?: string; port: number; branch?: string },
): Buffer {
  return Buffer.from(
    [
      `${method} sip:fyrkant@127.0.0.1 SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${opts.port};branch=z9hG4bK${opts.branch ?? randomBytes(6).toString('hex')};rport`,
      'From: <sip:someone@198.51.100.1>;tag=f1',
      `To: <sip:fyrkant@127.0.0.1>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
      `Call-ID: ${opts.callId}`,
      `CSeq: 1 ${method}`,
      'Max-Forwards: 70',
      ...(opts.ua ? [`User-Agent: ${opts.ua}`] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

describe('unsolicited traffic', () => {
  let ua: SipSignalling;
  let sock: Socket;
  let port: number;
  const got: string[] = [];
  /** The flood limiter's clock: tests move it instead of sleeping until buckets refill. */
  let clock = 1_000_000;

  beforeAll(async () => {
    ua = makeUa({
      trunkUri: 'sip:127.0.0.1:9',
      rateLimit: { perSecond: 5, burst: 10, now: () => clock },
      maxMessageSize: 4096,
    });
    await ua.start();
    sock = createSocket('udp4');
    sock.on('message', (m) => got.push(m.toString('utf8')));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    port = sock.address().port;
  });
  afterAll(async () => {
    await ua.stop();
    sock.close();
  });
  beforeEach(() => {
    got.length = 0;
  });

  const send = (b: Buffer) => sock.send(b, ua.port, '127.0.0.1');
  /** Loopback drops datagrams in a burst; pace them so every one arrives and can be counted. */
  async function sendPaced(list: Buffer[]): Promise<void> {
    for (let i = 0; i < list.length; i++) {
      await new Promise<void>((r) => sock.send(list[i]!, ua.port, '127.0.0.1', () => r()));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2));
    }
  }
  const statuses = (callId: string) =>
    got.filter((m) => m.includes(`Call-ID: ${callId}\r\n`)).map((m) => Number(m.slice(8, 11)));

  it('refuses an INVITE from outside with 403, answers BYE/INFO for unknown dialogs with 481, unknown methods 501', async () => {
    send(request('INVITE', { callId: 'u-invite', port }));
    send(request('BYE', { callId: 'u-bye', toTag: 'nope', port }));
    send(request('INFO', { callId: 'u-info', toTag: 'nope', port }));
    send(request('FOO', { callId: 'u-foo', port }));
    send(request('SUBSCRIBE', { callId: 'u-sub', port }));
    await waitFor(() => got.length >= 5);
    expect(statuses('u-invite')[0]).toBe(403);
    expect(statuses('u-bye')).toEqual([481]);
    expect(statuses('u-info')).toEqual([481]);
    expect(statuses('u-foo')).toEqual([501]);
    expect(statuses('u-sub')).toEqual([405]);
    expect(got.find((m) => m.includes('u-sub'))).toContain('Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE');
    expect(ua.stats().unsolicitedInvites).toBe(1);
    expect(ua.activeDialogs).toBe(0);
  });

  it('drops friendly-scanner traffic without any answer', async () => {
    const before = ua.stats().scannerDropped ?? 0;
    await sendPaced(
      Array.from({ length: 200 }, (_, i) => request('OPTIONS', { callId: `scan-${i}`, ua: 'friendly-scanner', port })),
    );
    await waitFor(() => (ua.stats().scannerDropped ?? 0) - before === 200);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.filter((m) => m.includes('Call-ID: scan-'))).toEqual([]);
  });

  it('rate-limits a flood from one source and recovers afterwards', async () => {
    clock += 2100; // the bucket is full again
    const before = ua.stats().rateLimited ?? 0;
    await sendPaced(Array.from({ length: 100 }, (_, i) => request('OPTIONS', { callId: `flood-${i}`, port })));
    await waitFor(() => (ua.stats().rateLimited ?? 0) - before >= 85);
    await new Promise((r) => setTimeout(r, 100));
    const answered = got.filter((m) => m.includes('Call-ID: flood-')).length;
    expect(answered).toBeGreaterThanOrEqual(10);
    expect(answered).toBeLessThanOrEqual(15);
    clock += 1000;
    got.length = 0;
    send(request('OPTIONS', { callId: 'after-flood', port }));
    await waitFor(() => statuses('after-flood').length === 1);
    expect(statuses('after-flood')).toEqual([200]);
  });

  it('survives garbage and oversize datagrams, and still answers', async () => {
    clock += 2100;
    const before = ua.stats();
    await sendPaced([
      ...Array.from({ length: 300 }, (_, i) => randomBytes(5 + (i % 200))),
      Buffer.concat([request('OPTIONS', { callId: 'big', port }), Buffer.alloc(5000, 0x41)]),
    ]);
    await new Promise((r) => setTimeout(r, 200));
    const after = ua.stats();
    expect(after.oversize).toBe((before.oversize ?? 0) + 1);
    expect((after.dropped ?? 0) - (before.dropped ?? 0)).toBeGreaterThanOrEqual(300);
    got.length = 0;
    send(request('OPTIONS', { callId: 'still-alive', port }));
    await waitFor(() => statuses('still-alive').length === 1);
    expect(statuses('still-alive')).toEqual([200]);
  });
});
