/**
 * A hand-driven SIP peer on a UDP socket for tests that need exact control over timing (retransmitted
 * 2xx, withheld provisionals). It speaks plain SIP on the wire; the test decides every message.
 */
import { createSocket, type Socket } from 'node:dgram';
import { parseMessage, type SipMessage, type SipRequest } from '../../../src/telephony/embedded/sip/message';
import { waitFor } from './ua';

export interface RawPeer {
  readonly port: number;
  readonly received: SipMessage[];
  requests(method: string): SipRequest[];
  /** Answer a request: copies Via/From/To/Call-ID/CSeq, adds our To tag. */
  reply(
    req: SipRequest,
    status: number,
    reason: string,
    opts?: { tag?: string; extra?: string[]; body?: string },
  ): void;
  waitFor(method: string, count?: number, timeoutMs?: number): Promise<SipRequest[]>;
  close(): Promise<void>;
}

export async function startRawPeer(): Promise<RawPeer> {
  const sock: Socket = createSocket('udp4');
  const received: SipMessage[] = [];
  const sources = new WeakMap<SipMessage, { address: string; port: number }>();
  sock.on('message', (data, rinfo) => {
    const r = parseMessage(data);
    if (r.ok) {
      received.push(r.message);
      sources.set(r.message, rinfo);
    }
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  const requests = (method: string) =>
    received.filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
  return {
    port,
    received,
    requests,
    reply(req, status, reason, opts = {}) {
      const src = sources.get(req)!;
      const lines = [`SIP/2.0 ${status} ${reason}`];
      for (const v of req.getAll('via')) lines.push(`Via: ${v}`);
      lines.push(`From: ${req.get('from')}`);
      const to = req.get('to') ?? '';
      lines.push(`To: ${req.toTag || !opts.tag ? to : `${to};tag=${opts.tag}`}`);
      lines.push(`Call-ID: ${req.callId}`, `CSeq: ${req.get('cseq')}`, `Contact: <sip:raw@127.0.0.1:${port}>`);
      lines.push(...(opts.extra ?? []));
      const body = opts.body ?? '';
      if (body) lines.push('Content-Type: application/sdp');
      lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
      sock.send(Buffer.from(lines.join('\r\n')), src.port, src.address);
    },
    async waitFor(method, count = 1, timeoutMs = 3000) {
      await waitFor(() => requests(method).length >= count, timeoutMs);
      return requests(method);
    },
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}
