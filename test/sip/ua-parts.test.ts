/** UA helpers: trace redaction, scanner detection, rate limiting, TCP framing, response routing. */
import { parseVia } from '../../src/telephony/embedded/sip/message';
import { responseDestination, StreamFramer, stampedVia } from '../../src/telephony/embedded/sip/transport';
import { isScanner, RateLimiter } from '../../src/telephony/embedded/sip/ua/rate-limit';
import { redact } from '../../src/telephony/embedded/sip/ua/trace';

describe('trace redaction', () => {
  it('hides Authorization and Proxy-Authorization values, folded lines included, and nothing else', () => {
    const raw = [
      'INVITE sip:1001@pbx SIP/2.0',
      'Proxy-Authorization: Digest username="fyrkant", realm="pbx",',
      '  nonce="abc", response="0123456789abcdef0123456789abcdef"',
      'authorization : Digest username="x", response="ffff"',
      'Call-ID: abc',
      '',
      'v=0 Authorization: in the body stays',
    ].join('\r\n');
    const out = redact(raw);
    expect(out).not.toContain('0123456789abcdef');
    expect(out).not.toContain('ffff');
    expect(out).toContain('Proxy-Authorization: <redacted>');
    expect(out).toContain('authorization : <redacted>');
    expect(out).toContain('Call-ID: abc');
    expect(out).toContain('v=0 Authorization: in the body stays');
  });
});

describe('unsolicited traffic', () => {
  it('recognises common scanners by User-Agent', () => {
    expect(isScanner('friendly-scanner')).toBe(true);
    expect(isScanner('sipvicious 0.3')).toBe(true);
    expect(isScanner('Linphone/5.1')).toBe(false);
    expect(isScanner(undefined)).toBe(false);
  });

  it('limits per source with a token bucket', () => {
    const rl = new RateLimiter(10, 5);
    const t0 = 1_000_000;
    const allowed = Array.from({ length: 10 }, () => rl.allow('203.0.113.9', t0)).filter(Boolean).length;
    expect(allowed).toBe(5);
    expect(rl.allow('198.51.100.1', t0)).toBe(true); // other sources unaffected
    expect(rl.allow('203.0.113.9', t0 + 100)).toBe(true); // refilled 1 token after 100 ms
    expect(rl.allow('203.0.113.9', t0 + 100)).toBe(false);
    expect(rl.dropped).toBe(6);
  });

  it('refills by its injected clock', () => {
    let now = 5_000;
    const rl = new RateLimiter(2, 1, () => now);
    expect([rl.allow('a'), rl.allow('a')]).toEqual([true, false]);
    now += 499;
    expect(rl.allow('a')).toBe(false);
    now += 1;
    expect(rl.allow('a')).toBe(true);
  });

  it('bounds its memory', () => {
    const rl = new RateLimiter(1, 1, () => 0, 100);
    for (let i = 0; i < 1000; i++) rl.allow(`10.0.${i >> 8}.${i & 255}`, 0);
    expect((rl as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(100);
  });
});

describe('TCP framing', () => {
  const msg = (body: string) =>
    `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  it('cuts messages by Content-Length across arbitrary chunking, skipping keep-alive CRLFs', () => {
    const stream = Buffer.from(`${msg('hello')}\r\n\r\n${msg('')}${msg('wörld')}`);
    const f = new StreamFramer(65535);
    const out: string[] = [];
    for (let i = 0; i < stream.length; i += 7)
      for (const m of f.push(stream.subarray(i, i + 7)).messages) out.push(m.toString());
    expect(out).toEqual([msg('hello'), msg(''), msg('wörld')]);
  });

  it('refuses messages above the maximum size', () => {
    const f = new StreamFramer(100);
    expect(f.push(Buffer.from(msg('x'.repeat(200)))).error).toBe('message too large');
    expect(new StreamFramer(50).push(Buffer.from('A'.repeat(60))).error).toBe('header section too large');
  });
});

describe('response routing (RFC 3261 §18.2.2, RFC 3581)', () => {
  const src = { transport: 'udp' as const, host: '192.0.2.7', port: 40000 };
  it('stamps received and fills rport', () => {
    const via = parseVia('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport')!;
    const stamped = parseVia(stampedVia(via, src)!)!;
    expect(stamped).toMatchObject({ received: '192.0.2.7', rport: 40000, branch: 'z9hG4bK1' });
    expect(responseDestination(stamped, src)).toEqual({ transport: 'udp', host: '192.0.2.7', port: 40000 });
  });
  it('without rport: received host, sent-by port', () => {
    const via = parseVia('SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK1')!;
    const stamped = parseVia(stampedVia(via, src)!)!;
    expect(responseDestination(stamped, src)).toEqual({ transport: 'udp', host: '192.0.2.7', port: 5070 });
  });
  it('sent-by equal to the source: nothing added, sent-by used', () => {
    const via = parseVia('SIP/2.0/UDP 192.0.2.7:5080;branch=z9hG4bK1')!;
    expect(stampedVia(via, src)).toBeUndefined();
    expect(responseDestination(via, src)).toEqual({ transport: 'udp', host: '192.0.2.7', port: 5080 });
  });
  it('TCP: back to the connection source', () => {
    const via = parseVia('SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1')!;
    const tcp = { transport: 'tcp' as const, host: '192.0.2.7', port: 51000 };
    expect(responseDestination(via, tcp)).toEqual({ transport: 'tcp', host: '192.0.2.7', port: 51000 });
  });
});
