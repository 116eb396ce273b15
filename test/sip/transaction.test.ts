/** Transaction layer (RFC 3261 §17) with fake timers: retransmissions, timeouts, ACK for non-2xx. */
import {
  createResponse,
  parseMessage,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../src/telephony/embedded/sip/message';
import { type ServerTransaction, TransactionLayer } from '../../src/telephony/embedded/sip/transaction';
import type { TransportAddress } from '../../src/telephony/embedded/sip/transport';

const UDP: TransportAddress = { transport: 'udp', host: '127.0.0.1', port: 5999 };
const TCP: TransportAddress = { transport: 'tcp', host: '127.0.0.1', port: 5999 };
const T = { t1: 500, t2: 4000, t4: 5000, timerD: 32000 };

function req(method: string, branch = 'z9hG4bKtest1'): SipRequest {
  const text = [
    `${method} sip:bob@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5998;branch=${branch}`,
    'From: <sip:alice@127.0.0.1>;tag=a1',
    'To: <sip:bob@127.0.0.1>',
    'Call-ID: tx-test@127.0.0.1',
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok) throw new Error(r.reason);
  return r.message as SipRequest;
}

function resp(request: SipRequest, status: number): SipResponse {
  return createResponse(request, status, undefined, 'b1');
}

function harness(timers = T) {
  const sent: Array<{ msg: SipMessage; at: number }> = [];
  const start = Date.now();
  const core = { requests: [] as SipRequest[], stray: [] as SipResponse[], txs: [] as ServerTransaction[] };
  const layer = new TransactionLayer(
    async (msg) => {
      sent.push({ msg, at: Date.now() - start });
    },
    timers,
    {
      onRequest: (r, tx) => {
        core.requests.push(r);
        if (tx) core.txs.push(tx);
      },
      onStrayResponse: (r) => core.stray.push(r),
    },
  );
  const events: string[] = [];
  const user = {
    onResponse: (r: SipResponse) => events.push(`response ${r.status}`),
    onTimeout: () => events.push('timeout'),
    onTransportError: (e: Error) => events.push(`error ${e.message}`),
  };
  return { sent, layer, user, events, core };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('INVITE client transaction', () => {
  it('Timer A doubles from T1 over UDP; Timer B times out at 64*T1', () => {
    const h = harness();
    h.layer.request(req('INVITE'), UDP, h.user);
    jest.advanceTimersByTime(64 * T.t1 - 1);
    expect(h.sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(h.events).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(h.events).toEqual(['timeout']);
    expect(h.layer.size.clients).toBe(0);
  });

  it('uses the configured T1', () => {
    const h = harness({ ...T, t1: 100 });
    h.layer.request(req('INVITE'), UDP, h.user);
    jest.advanceTimersByTime(6400);
    expect(h.sent.map((s) => s.at)).toEqual([0, 100, 300, 700, 1500, 3100, 6300]);
    expect(h.events).toEqual(['timeout']);
  });

  it('does not retransmit over TCP', () => {
    const h = harness();
    h.layer.request(req('INVITE'), TCP, h.user);
    jest.advanceTimersByTime(10000);
    expect(h.sent).toHaveLength(1);
  });

  it('a provisional stops retransmission and Timer B; 486 is ACKed (same branch) and its retransmission re-ACKed', () => {
    const h = harness();
    const invite = req('INVITE');
    h.layer.request(invite, UDP, h.user);
    h.layer.receiveResponse(resp(invite, 180), UDP);
    jest.advanceTimersByTime(60000);
    expect(h.sent).toHaveLength(1);
    expect(h.events).toEqual(['response 180']);
    const busy = resp(invite, 486);
    h.layer.receiveResponse(busy, UDP);
    expect(h.sent).toHaveLength(2);
    const ack = h.sent[1]!.msg as SipRequest;
    expect(ack.method).toBe('ACK');
    expect(ack.via.branch).toBe(invite.via.branch);
    expect(ack.toTag).toBe('b1');
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    h.layer.receiveResponse(busy, UDP);
    expect(h.sent).toHaveLength(3);
    expect(h.events).toEqual(['response 180', 'response 486']);
    jest.advanceTimersByTime(32000);
    expect(h.layer.size.clients).toBe(0);
  });

  it('passes the 2xx up and terminates; retransmitted 2xx go to the core as stray', () => {
    const h = harness();
    const invite = req('INVITE');
    h.layer.request(invite, UDP, h.user);
    const ok = resp(invite, 200);
    h.layer.receiveResponse(ok, UDP);
    h.layer.receiveResponse(ok, UDP);
    expect(h.events).toEqual(['response 200']);
    expect(h.core.stray).toHaveLength(1);
    expect(h.sent).toHaveLength(1); // no ACK from the transaction for 2xx
  });
});

describe('non-INVITE client transaction', () => {
  it('Timer E doubles up to T2, Timer F at 64*T1', () => {
    const h = harness();
    h.layer.request(req('OPTIONS'), UDP, h.user);
    jest.advanceTimersByTime(64 * T.t1);
    expect(h.sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(h.events).toEqual(['timeout']);
  });

  it('after a provisional retransmits every T2; a final stops it; Timer K ends it', () => {
    const h = harness();
    const r = req('BYE');
    h.layer.request(r, UDP, h.user);
    jest.advanceTimersByTime(600); // sends at 0 and 500
    h.layer.receiveResponse(resp(r, 100), UDP);
    jest.advanceTimersByTime(1000); // E was 1000 → resend at 1500
    jest.advanceTimersByTime(4000); // then every T2 → 5500
    expect(h.sent.map((s) => s.at)).toEqual([0, 500, 1500, 5500]);
    h.layer.receiveResponse(resp(r, 200), UDP);
    jest.advanceTimersByTime(20000);
    expect(h.sent).toHaveLength(4);
    expect(h.events).toEqual(['response 100', 'response 200']);
    expect(h.layer.size.clients).toBe(0);
  });
});

describe('server transactions', () => {
  it('INVITE server: a final error is retransmitted (Timer G) until the ACK, then absorbed (Timer I)', () => {
    const h = harness();
    const invite = req('INVITE', 'z9hG4bKsrv1');
    h.layer.receiveRequest(invite, UDP);
    expect(h.core.requests).toHaveLength(1);
    const tx = h.layer.inviteFor(invite)!;
    tx.respond(resp(invite, 486));
    jest.advanceTimersByTime(3500 + 1);
    expect(h.sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500]);
    // The INVITE retransmitted: answered again, not passed up.
    h.layer.receiveRequest(invite, UDP);
    expect(h.core.requests).toHaveLength(1);
    expect(h.sent).toHaveLength(5);
    const ack = req('ACK', 'z9hG4bKsrv1');
    h.layer.receiveRequest(ack, UDP);
    jest.advanceTimersByTime(20000);
    expect(h.sent).toHaveLength(5);
    expect(h.core.requests).toHaveLength(1); // ACK absorbed by the transaction
    expect(h.layer.size.servers).toBe(0);
  });

  it('INVITE server: Timer H gives up waiting for the ACK at 64*T1', () => {
    const h = harness();
    const invite = req('INVITE', 'z9hG4bKsrv2');
    h.layer.receiveRequest(invite, UDP);
    h.layer.inviteFor(invite)!.respond(resp(invite, 403));
    jest.advanceTimersByTime(64 * T.t1);
    expect(h.layer.size.servers).toBe(0);
    // G capped at T2: 0, 500, 1500, 3500, 7500, 11500, ... below 32000
    expect(h.sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  });

  it('non-INVITE server: retransmitted requests get the last response; Timer J cleans up', () => {
    const h = harness();
    const opt = req('OPTIONS', 'z9hG4bKsrv3');
    h.layer.receiveRequest(opt, UDP);
    // before any response a retransmission is absorbed silently
    h.layer.receiveRequest(opt, UDP);
    expect(h.sent).toHaveLength(0);
    expect(h.core.requests).toHaveLength(1);
    const calls = h.core.requests;
    expect(calls[0]!.method).toBe('OPTIONS');
    // answer through the transaction the core got
    h.core.txs[0]!.respond(resp(opt, 200));
    h.layer.receiveRequest(opt, UDP);
    expect(h.sent).toHaveLength(2);
    jest.advanceTimersByTime(64 * T.t1);
    expect(h.layer.size.servers).toBe(0);
  });
});
