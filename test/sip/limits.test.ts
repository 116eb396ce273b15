/**
 * Issue 13: hard limits on what a stranger can make the SIP stack hold, against a live UA on 127.0.0.1
 * (real UDP/TCP sockets, no doubles): one 403 per stranger INVITE and no retransmissions, scanners
 * screened before validation (svmap's `Contact: None`), in-dialog floods rate-limited, a bounded
 * server transaction table, a request-size limit, TCP connection caps and the first-message deadline,
 * and the Server/User-Agent header (absent by default).
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
import type { SipSignalling } from '../../src/telephony/embedded/sip';
import { makeUa, waitFor } from './support/ua';

interface ReqOpts {
  readonly callId: string;
  readonly port: number;
  readonly toTag?: string;
  readonly ua?: string;
  readonly branch?: string;
  readonly body?: string;
  readonly transport?: 'UDP' | 'TCP';
  readonly extra?: readonly string[];
}

function request(method: string, o: ReqOpts): Buffer {
  const body = o.body ?? '';
  return Buffer.from(
    [
      `${method} sip:fyrkant@127.0.0.1 SIP/2.0`,
      `Via: SIP/2.0/${o.transport ?? 'UDP'} 127.0.0.1:${o.port};branch=z9hG4bK${o.branch ?? randomBytes(6).toString('hex')};rport`,
      'From: <sip:someone@198.51.100.1>;tag=f1',
      `To: <sip:fyrkant@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
      `Call-ID: ${o.callId}`,
      `CSeq: 1 ${method}`,
      'Max-Forwards: 70',
      ...(o.ua ? [`User-Agent: ${o.ua}`] : []),
      ...(o.extra ?? []),
      ...(body ? ['Content-Type: application/dtmf-relay'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

/** A UDP "attacker" socket that records everything sent back to it. */
async function udpPeer(): Promise<{ sock: Socket; port: number; got: string[] }> {
  const sock = createSocket('udp4');
  const got: string[] = [];
  sock.on('message', (m) => got.push(m.toString('latin1')));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { sock, port: sock.address().port, got };
}

/** Send paced so loopback does not drop datagrams of a burst: every one must arrive to be counted. */
async function sendPaced(sock: Socket, to: number, list: readonly Buffer[]): Promise<void> {
  for (let i = 0; i < list.length; i++) {
    await new Promise<void>((r) => sock.send(list[i]!, to, '127.0.0.1', () => r()));
    if (i % 10 === 9) await new Promise((r) => setImmediate(r));
  }
}

const withCallId = (got: readonly string[], prefix: string) => got.filter((m) => m.includes(`Call-ID: ${prefix}`));

describe('SIP resource limits (live UA)', () => {
  let ua: SipSignalling;
  let peer: Awaited<ReturnType<typeof udpPeer>>;
  let clock = 1_000_000;

  beforeEach(async () => {
    peer = await udpPeer();
  });
  afterEach(async () => {
    await ua?.stop();
    peer.sock.close();
  });

  it('answers N stranger INVITEs (each sent 3 times) with at most N 403s and never retransmits one', async () => {
    ua = makeUa({ trunkUri: 'sip:127.0.0.1:9', rateLimit: { perSecond: 1000, burst: 1000, now: () => clock } });
    await ua.start();
    const N = 40;
    const invites = Array.from({ length: N }, (_, i) =>
      request('INVITE', { callId: `refl-${i}`, port: peer.port, branch: `refl${i}` }),
    );
    // Each INVITE three times (a stranger's UDP retransmissions): still one 403 each.
    await sendPaced(peer.sock, ua.port, [...invites, ...invites, ...invites]);
    await waitFor(() => withCallId(peer.got, 'refl-').length >= N);
    // Until every transaction has ended (timer H = 64·T1), any timer-G retransmission would have gone out.
    await waitFor(() => ua.core.transactions.size.servers === 0, 15_000);
    const answers = withCallId(peer.got, 'refl-');
    expect(answers.length).toBe(N);
    expect(answers.every((m) => m.startsWith('SIP/2.0 403 '))).toBe(true);
    expect(new Set(answers.map((m) => /Call-ID: (\S+)/.exec(m)?.[1])).size).toBe(N);
    expect(ua.stats().unsolicitedInvites).toBe(N);
  });

  it('a re-INVITE for an unknown dialog gets one 481, not retransmitted', async () => {
    ua = makeUa({ trunkUri: 'sip:127.0.0.1:9' });
    await ua.start();
    peer.sock.send(request('INVITE', { callId: 'refl-481', toTag: 'nope', port: peer.port }), ua.port, '127.0.0.1');
    await waitFor(() => withCallId(peer.got, 'refl-481').length === 1);
    await waitFor(() => ua.core.transactions.size.servers === 0, 15_000);
    expect(withCallId(peer.got, 'refl-481').map((m) => m.slice(0, 11))).toEqual(['SIP/2.0 481']);
  });

  it('drops an svmap-style REGISTER (Contact: None) without any answer, over UDP and TCP', async () => {
    ua = makeUa({ trunkUri: 'sip:127.0.0.1:9' });
    await ua.start();
    // What SIPVicious svmap sends: an invalid Contact a validating parser would answer with 400.
    const svmap = (transport: 'UDP' | 'TCP') =>
      request('REGISTER', {
        callId: `svmap-${transport}`,
        port: peer.port,
        transport,
        ua: 'friendly-scanner',
        extra: ['Contact: None', 'Accept: application/sdp'],
      });
    // Control: the same REGISTER from a non-scanner is answered (so "no answer" below means screened).
    peer.sock.send(
      request('REGISTER', { callId: 'plain-reg', port: peer.port, extra: ['Contact: None'] }),
      ua.port,
      '127.0.0.1',
    );
    await waitFor(() => withCallId(peer.got, 'plain-reg').length === 1);
    expect(withCallId(peer.got, 'plain-reg')[0]).toMatch(/^SIP\/2\.0 [45]\d\d /);

    peer.sock.send(svmap('UDP'), ua.port, '127.0.0.1');
    await waitFor(() => ua.stats().scannerDropped === 1);
    const tcp = connect(ua.port, '127.0.0.1');
    const tcpGot: Buffer[] = [];
    tcp.on('data', (d) => tcpGot.push(d));
    tcp.on('error', () => {});
    const closed = new Promise<void>((r) => tcp.on('close', () => r()));
    tcp.write(svmap('TCP'));
    await closed; // the scanner's connection is closed at once
    expect(ua.stats().scannerDropped).toBe(2);
    expect(ua.stats().screened).toBe(2);
    expect(Buffer.concat(tcpGot).length).toBe(0);
    // Any late answer would have come back by the time an OPTIONS round-trip completes.
    peer.sock.send(request('OPTIONS', { callId: 'after-svmap', port: peer.port }), ua.port, '127.0.0.1');
    await waitFor(() => withCallId(peer.got, 'after-svmap').length === 1);
    expect(withCallId(peer.got, 'svmap-')).toEqual([]);
  });

  it('rate-limits in-dialog requests per source like out-of-dialog ones', async () => {
    ua = makeUa({ trunkUri: 'sip:127.0.0.1:9', rateLimit: { perSecond: 5, burst: 10, now: () => clock } });
    await ua.start();
    const flood = Array.from({ length: 100 }, (_, i) =>
      request('INFO', { callId: `dflood-${i}`, toTag: 'guess', port: peer.port, body: 'Signal=#\r\nDuration=160\r\n' }),
    );
    await sendPaced(peer.sock, ua.port, flood);
    await waitFor(() => ua.stats().inDialogRateLimited + withCallId(peer.got, 'dflood-').length >= 100);
    expect(withCallId(peer.got, 'dflood-').length).toBe(10);
    expect(ua.stats().inDialogRateLimited).toBe(90);
    // Out-of-dialog requests from the same source have their own bucket: still answered.
    peer.sock.send(request('OPTIONS', { callId: 'ood-after', port: peer.port }), ua.port, '127.0.0.1');
    await waitFor(() => withCallId(peer.got, 'ood-after').length === 1);
    // And the in-dialog bucket refills with time (the injected clock, no sleeping).
    clock += 1000;
    peer.sock.send(request('INFO', { callId: 'dflood-late', toTag: 'guess', port: peer.port }), ua.port, '127.0.0.1');
    await waitFor(() => withCallId(peer.got, 'dflood-late').length === 1);
  });

  it('bounds the server transaction table and drops (counts) what does not fit', async () => {
    ua = makeUa({
      trunkUri: 'sip:127.0.0.1:9',
      rateLimit: { perSecond: 1000, burst: 1000, now: () => clock },
      limits: { maxServerTransactions: 20 },
    });
    await ua.start();
    await sendPaced(
      peer.sock,
      ua.port,
      Array.from({ length: 50 }, (_, i) => request('INVITE', { callId: `tbl-${i}`, port: peer.port })),
    );
    await waitFor(() => ua.stats().transactionTableFull + withCallId(peer.got, 'tbl-').length >= 50);
    expect(withCallId(peer.got, 'tbl-').length).toBe(20);
    expect(ua.stats().transactionTableFull).toBe(30);
    expect(ua.core.transactions.size.servers).toBeLessThanOrEqual(20);
  });

  it('drops requests over maxRequestBytes (counted) and still answers small ones', async () => {
    ua = makeUa({ trunkUri: 'sip:127.0.0.1:9', limits: { maxRequestBytes: 2000 } });
    await ua.start();
    peer.sock.send(
      request('INFO', { callId: 'big-info', toTag: 'x', port: peer.port, body: 'A'.repeat(3000) }),
      ua.port,
      '127.0.0.1',
    );
    await waitFor(() => ua.stats().oversize === 1);
    peer.sock.send(request('OPTIONS', { callId: 'small', port: peer.port }), ua.port, '127.0.0.1');
    await waitFor(() => withCallId(peer.got, 'small').length === 1);
    expect(withCallId(peer.got, 'big-info')).toEqual([]);
  });

  it('sends no Server header by default, and the configured one when set', async () => {
    ua = makeUa({ trunkUri: 'sip:127.0.0.1:9' });
    await ua.start();
    peer.sock.send(request('OPTIONS', { callId: 'srv-1', port: peer.port }), ua.port, '127.0.0.1');
    await waitFor(() => withCallId(peer.got, 'srv-1').length === 1);
    expect(withCallId(peer.got, 'srv-1')[0]).not.toMatch(/^(Server|User-Agent):/im);
    expect(withCallId(peer.got, 'srv-1')[0]).not.toMatch(/fyrkant\//i);
    await ua.stop();
    ua = makeUa({ trunkUri: 'sip:127.0.0.1:9', userAgent: 'PBX' });
    await ua.start();
    peer.sock.send(request('OPTIONS', { callId: 'srv-2', port: peer.port }), ua.port, '127.0.0.1');
    await waitFor(() => withCallId(peer.got, 'srv-2').length === 1);
    expect(withCallId(peer.got, 'srv-2')[0]).toMatch(/^Server: PBX\r$/m);
  });
});

describe('TCP connection caps (live UA)', () => {
  let ua: SipSignalling;
  const sockets: TcpSocket[] = [];

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await ua?.stop();
  });

  /** Opens a connection from `localAddress`; resolves when connected, records when it is closed. */
  function open(localAddress: string): Promise<{ sock: TcpSocket; closed: () => boolean }> {
    return new Promise((resolve, reject) => {
      let isClosed = false;
      const sock = connect({ port: ua.port, host: '127.0.0.1', localAddress });
      sockets.push(sock);
      sock.on('error', () => {});
      sock.on('close', () => {
        isClosed = true;
      });
      sock.once('connect', () => resolve({ sock, closed: () => isClosed }));
      sock.once('error', reject);
    });
  }

  it('holds at most maxTcpPerSource per IP and maxTcpConnections in all; refusals are counted', async () => {
    ua = makeUa({ trunkUri: 'sip:127.0.0.1:9', limits: { maxTcpPerSource: 5, maxTcpConnections: 8 } });
    await ua.start();
    const a = await Promise.all(Array.from({ length: 12 }, () => open('127.0.0.1')));
    await waitFor(() => ua.stats().tcpRefused === 7);
    await waitFor(() => a.filter((c) => c.closed()).length === 7);
    expect(ua.stats().tcpOpen).toBe(5);
    const b = await Promise.all(Array.from({ length: 6 }, () => open('127.0.0.2')));
    await waitFor(() => ua.stats().tcpRefused === 10);
    await waitFor(() => b.filter((c) => c.closed()).length === 3);
    expect(ua.stats().tcpOpen).toBe(8);
    // A held connection still works: a valid OPTIONS on it is answered.
    const live = a.find((c) => !c.closed())!;
    const got: Buffer[] = [];
    live.sock.on('data', (d) => got.push(d));
    live.sock.write(request('OPTIONS', { callId: 'tcp-ok', port: 9, transport: 'TCP' }));
    await waitFor(() => Buffer.concat(got).toString().includes('Call-ID: tcp-ok'));
    // Closing connections frees their slots.
    for (const c of a) c.sock.destroy();
    await waitFor(() => ua.stats().tcpOpen === 3);
    const again = await open('127.0.0.1');
    await waitFor(() => ua.stats().tcpOpen === 4);
    expect(again.closed()).toBe(false);
  });

  it('closes a connection that sends no valid message within tcpFirstMessageMs, keeps one that did', async () => {
    ua = makeUa({ trunkUri: 'sip:127.0.0.1:9', limits: { tcpFirstMessageMs: 300, tcpIdleMs: 60_000 } });
    await ua.start();
    const silent = await open('127.0.0.1');
    const talker = await open('127.0.0.1');
    const got: Buffer[] = [];
    talker.sock.on('data', (d) => got.push(d));
    talker.sock.write(request('OPTIONS', { callId: 'first', port: 9, transport: 'TCP' }));
    await waitFor(() => Buffer.concat(got).toString().includes('Call-ID: first'));
    await waitFor(() => silent.closed(), 5000);
    expect(ua.stats().tcpFirstMessageTimeouts).toBe(1);
    // The proven connection outlives the first-message deadline: it still answers well after it.
    const t0 = Date.now();
    await waitFor(() => Date.now() - t0 > 600);
    expect(talker.closed()).toBe(false);
    talker.sock.write(request('OPTIONS', { callId: 'second', port: 9, transport: 'TCP' }));
    await waitFor(() => Buffer.concat(got).toString().includes('Call-ID: second'));
  });
});
