/** Message layer: headers, lists, URIs, name-addr, Via, CSeq, Content-Length, serialization. */
import {
  canonicalName,
  parseMessage,
  parseNameAddr,
  parseUri,
  parseVia,
  type SipRequest,
  SipResponse,
  serialize,
  splitList,
} from '../../src/telephony/embedded/sip/message';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

function request(extra: string[] = [], body = ''): Buffer {
  return crlf([
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKabc;rport',
    'From: "Alice" <sip:alice@example.com>;tag=1',
    'To: <sip:bob@example.com>',
    'Call-ID: c1@example.com',
    'CSeq: 7 INVITE',
    ...extra,
    '',
    body,
  ]);
}

function parsedRequest(extra: string[] = [], body = ''): SipRequest {
  const r = parseMessage(request(extra, body));
  if (!r.ok) throw new Error(r.reason);
  return r.message as SipRequest;
}

describe('header names', () => {
  it('expands compact forms and ignores case', () => {
    expect(['v', 'f', 't', 'i', 'm', 'l', 'c', 'k', 's', 'e'].map(canonicalName)).toEqual([
      'via',
      'from',
      'to',
      'call-id',
      'contact',
      'content-length',
      'content-type',
      'supported',
      'subject',
      'content-encoding',
    ]);
    const m = parsedRequest(['k: timer', 'cOnTaCt: <sip:a@b>', 'e: gzip']);
    expect(m.get('Supported')).toBe('timer');
    expect(m.get('m')).toBe('<sip:a@b>');
    expect(m.get('content-encoding')).toBe('gzip');
  });
});

describe('lists', () => {
  it('splits at top-level commas only (quotes, <>)', () => {
    expect(splitList('"Doe, John" <sip:a@b;x=1,2>;q=1, <sip:c@d>')).toEqual([
      '"Doe, John" <sip:a@b;x=1,2>;q=1',
      '<sip:c@d>',
    ]);
    expect(splitList('"a \\", b" <sip:x@y>, z')).toEqual(['"a \\", b" <sip:x@y>', 'z']);
  });
  it('joins repeated header lines and comma lists; does not split Authorization', () => {
    const m = parsedRequest([
      'Route: <sip:p1@example.com;lr>, <sip:p2@example.com;lr>',
      'Route: <sip:p3@example.com;lr>',
      'Authorization: Digest username="a", realm="b", nonce="c"',
    ]);
    expect(m.routes().map((r) => r?.uri.text)).toEqual([
      'sip:p1@example.com;lr',
      'sip:p2@example.com;lr',
      'sip:p3@example.com;lr',
    ]);
    expect(m.getAll('authorization')).toHaveLength(1);
  });
  it('unfolds continuation lines with one space', () => {
    const m = parsedRequest(['Subject: first', '  second', '\tthird']);
    expect(m.get('subject')).toBe('first second third');
  });
});

describe('URIs', () => {
  it('parses sip with user, password, port, params and headers', () => {
    const u = parseUri('sip:alice:secret@Example.COM:5070;transport=tcp;lr?subject=hi&priority=urgent');
    expect(u).toMatchObject({
      kind: 'sip',
      user: 'alice',
      password: 'secret',
      host: 'example.com',
      port: 5070,
      headers: 'subject=hi&priority=urgent',
    });
    expect(u?.kind === 'sip' && Object.fromEntries(u.params)).toEqual({ transport: 'tcp', lr: null });
  });
  it('parses sips, IPv6 and tel', () => {
    expect(parseUri('sips:[2001:db8::1]:5061')).toMatchObject({ scheme: 'sips', host: '[2001:db8::1]', port: 5061 });
    const t = parseUri('tel:+46-8-123456;phone-context=example.com');
    expect(t).toMatchObject({ kind: 'tel', number: '+46-8-123456' });
    expect(t?.kind === 'tel' && t.params.get('phone-context')).toBe('example.com');
  });
  it('rejects malformed URIs', () => {
    for (const bad of [
      'sip:',
      'sip:@host',
      'sip:a b@host',
      'sip:host:99999',
      'sip:host:12x',
      'sip:%zz@host',
      '<sip:a@b>',
      'tel:',
      ':x',
    ]) {
      expect(parseUri(bad)).toBeUndefined();
    }
  });
});

describe('name-addr / addr-spec', () => {
  it('reads display names quoted and as tokens, and header params', () => {
    expect(parseNameAddr('"A \\"B\\"" <sip:a@b>;tag=x')).toMatchObject({ displayName: 'A "B"', tag: 'x' });
    expect(parseNameAddr('Alice Smith <sip:a@b>')).toMatchObject({ displayName: 'Alice Smith' });
    const spec = parseNameAddr('sip:a@b;tag=1;x');
    expect(spec?.uri.text).toBe('sip:a@b');
    expect(spec?.tag).toBe('1');
    expect(spec?.params.get('x')).toBeNull();
  });
  it('keeps URI params inside <>', () => {
    const na = parseNameAddr('<sip:a@b;lr>;expires=60');
    expect(na?.uri.kind === 'sip' && na.uri.params.has('lr')).toBe(true);
    expect(na?.params.get('expires')).toBe('60');
  });
  it('rejects what the grammar forbids', () => {
    for (const bad of [
      '"unterminated <sip:a@b>',
      'Bell, Alex <sip:a@b>',
      '< sip:a@b >',
      'sip:a@b?x=y',
      '<sip:a@b>;;',
      '',
    ]) {
      expect(parseNameAddr(bad)).toBeUndefined();
    }
  });
});

describe('Via', () => {
  it('parses branch, received, rport forms', () => {
    expect(parseVia('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport')).toMatchObject({
      transport: 'UDP',
      host: '10.0.0.1',
      port: 5060,
      branch: 'z9hG4bK1',
      rport: true,
    });
    expect(parseVia('SIP / 2.0 / tcp host.example.com ; received=192.0.2.9 ; rport=4000')).toMatchObject({
      transport: 'TCP',
      received: '192.0.2.9',
      rport: 4000,
    });
    expect(parseVia('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKx')?.host).toBe('[2001:db8::1]');
  });
  it('rejects broken values', () => {
    for (const bad of [
      'SIP/2.0/UDP',
      'SIP/2.0 UDP host',
      'SIP/2.0/UDP host;;',
      'SIP/2.0/UDP host:x',
      'SIP/2.0/UDPhost',
    ]) {
      expect(parseVia(bad)).toBeUndefined();
    }
  });
});

describe('CSeq, Max-Forwards, Content-Length', () => {
  it('reads CSeq', () => {
    expect(parsedRequest().cseq).toEqual({ seq: 7, method: 'INVITE' });
  });
  it('rejects CSeq ≥ 2^31 and mismatching methods', () => {
    const big = Buffer.from(request().toString().replace('CSeq: 7 INVITE', 'CSeq: 2147483648 INVITE'));
    expect(parseMessage(big)).toMatchObject({ ok: false, reason: 'Malformed CSeq' });
    const other = Buffer.from(request().toString().replace('CSeq: 7 INVITE', 'CSeq: 7 BYE'));
    expect(parseMessage(other)).toMatchObject({ ok: false, reason: 'CSeq method does not match Request-Line' });
  });
  it('UDP: body by Content-Length, rest of the datagram without one, error if longer than what came', () => {
    expect(parsedRequest(['Content-Length: 4'], 'abcdEXTRA').bodyText).toBe('abcd');
    expect(parsedRequest([], 'whole').bodyText).toBe('whole');
    const r = parseMessage(request(['Content-Length: 40'], 'short'));
    expect(r).toMatchObject({ ok: false, status: 400, reason: 'Content-Length larger than message' });
  });
  it('stream: no Content-Length means no body', () => {
    const r = parseMessage(request([], ''), { stream: true });
    expect(r.ok && r.message.body.length).toBe(0);
  });
  it('Max-Forwards must be 0..255', () => {
    expect(parseMessage(request(['Max-Forwards: 256'])).ok).toBe(false);
    expect(parseMessage(request(['Max-Forwards: 0'])).ok).toBe(true);
  });
  it('tolerates leading CRLFs and bare LF line ends', () => {
    const lf = Buffer.from(`\r\n\r\n${request().toString().replace(/\r\n/g, '\n')}`);
    expect(parseMessage(lf).ok).toBe(true);
  });
});

describe('responses and serialization', () => {
  it('round-trips a response with a body; Content-Length always matches', () => {
    const res = new SipResponse(200, 'OK');
    res.add('Via', 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx');
    res.add('From', '<sip:a@b>;tag=1');
    res.add('To', '<sip:c@d>;tag=2');
    res.add('Call-ID', 'x@y');
    res.add('CSeq', '1 INVITE');
    res.add('Content-Length', '999');
    res.body = Buffer.from('héllo');
    const wire = serialize(res);
    expect(wire.toString()).toContain('Content-Length: 6\r\n');
    expect(wire.toString()).toContain('Call-ID: x@y\r\n');
    const back = parseMessage(wire);
    expect(back.ok && back.message.kind === 'response' && back.message.bodyText).toBe('héllo');
  });
  it('rejects response status codes outside 100..699 and bad versions', () => {
    const base =
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n';
    expect(parseMessage(Buffer.from(`SIP/2.0 099 Low\r\n${base}`)).ok).toBe(false);
    expect(parseMessage(Buffer.from(`SIP/2.0 700 High\r\n${base}`)).ok).toBe(false);
    expect(parseMessage(Buffer.from(`SIP/3.0 200 OK\r\n${base}`))).toMatchObject({ ok: false, status: 505 });
    expect(parseMessage(Buffer.from(`SIP/2.0 200 OK\r\n${base}`)).ok).toBe(true);
  });
  it('never throws on garbage', () => {
    for (const g of ['', '\r\n', 'x', 'SIP/', 'INVITE', ':::\r\n\r\n', '\u0000\u0001', 'A B C\r\nD\r\n\r\n']) {
      expect(() => parseMessage(Buffer.from(g))).not.toThrow();
      expect(parseMessage(Buffer.from(g)).ok).toBe(false);
    }
  });
});
