/**
 * The wire format: header checks, the Message-Authenticator over the bytes received (RFC 3579 §3.2),
 * and answers a client can verify — checked with the npm codec's own client-side verification and
 * with an independent recomputation here.
 */
import { createHash, createHmac } from 'node:crypto';
import radius from 'radius';
import {
  checkMessageAuthenticator,
  decodeAccessRequest,
  encodeAnswer,
  rawAttributes,
  readHeader,
  splitReplyMessage,
} from '../../src/radius/packet';

const SECRET = 'packet-test-secret-0123';

function request(attrs: [string | number, unknown][], mac = true, secret = SECRET): Buffer {
  return radius.encode({
    code: 'Access-Request',
    identifier: 42,
    secret,
    attributes: attrs,
    add_message_authenticator: mac,
  });
}

describe('readHeader', () => {
  it('refuses short datagrams and Length fields out of range', () => {
    expect(readHeader(Buffer.alloc(19))).toHaveProperty('malformed');
    const p = request([['User-Name', 'anna']]);
    const tooLong = Buffer.from(p);
    tooLong.writeUInt16BE(p.length + 1, 2);
    expect(readHeader(tooLong)).toHaveProperty('malformed');
    const tiny = Buffer.from(p);
    tiny.writeUInt16BE(19, 2);
    expect(readHeader(tiny)).toHaveProperty('malformed');
    const huge = Buffer.alloc(5000);
    huge[0] = 1;
    huge.writeUInt16BE(4097, 2);
    expect(readHeader(huge)).toHaveProperty('malformed');
  });

  it('reads a request and ignores padding after Length (RFC 2865 §3)', () => {
    const p = Buffer.concat([request([['User-Name', 'anna']]), Buffer.from('padding')]);
    const h = readHeader(p);
    expect(h).toMatchObject({ code: 1, identifier: 42, length: p.length - 7 });
  });
});

describe('Message-Authenticator on requests', () => {
  it('valid with the right secret, invalid with another, absent when missing', () => {
    const p = request([['User-Name', 'anna']]);
    expect(checkMessageAuthenticator(p, SECRET)).toBe('valid');
    expect(checkMessageAuthenticator(p, 'another-secret-000000')).toBe('invalid');
    expect(checkMessageAuthenticator(request([['User-Name', 'anna']], false), SECRET)).toBe('absent');
  });

  it('one flipped bit anywhere (header, authenticator, attributes) makes it invalid', () => {
    const p = request([
      ['User-Name', 'anna'],
      ['NAS-Identifier', 'vpn'],
    ]);
    for (let i = 0; i < p.length; i++) {
      if (i === 2 || i === 3) continue; // the Length field: a different packet, checked elsewhere
      const q = Buffer.from(p);
      q[i] = (q[i] ?? 0) ^ 0x01;
      expect([i, checkMessageAuthenticator(q, SECRET)]).not.toEqual([i, 'valid']);
    }
  });

  it('two Message-Authenticators, or one of the wrong length, are invalid', () => {
    const p = request([['User-Name', 'anna']]);
    const extra = Buffer.concat([p, Buffer.from([80, 18, ...Buffer.alloc(16)])]);
    extra.writeUInt16BE(extra.length, 2);
    expect(checkMessageAuthenticator(extra, SECRET)).toBe('invalid');
    const short = Buffer.concat([request([['User-Name', 'anna']], false), Buffer.from([80, 6, 1, 2, 3, 4])]);
    short.writeUInt16BE(short.length, 2);
    expect(checkMessageAuthenticator(short, SECRET)).toBe('invalid');
  });

  it('attributes whose lengths do not add up are invalid, not a crash', () => {
    const p = request([['User-Name', 'anna']]);
    const q = Buffer.from(p);
    q[21] = 200; // User-Name's length runs past the end
    expect(rawAttributes(q)).toBeUndefined();
    expect(checkMessageAuthenticator(q, SECRET)).toBe('invalid');
  });
});

describe('decodeAccessRequest', () => {
  it('reads User-Name, the PAP password, State and every Proxy-State in order', () => {
    const p = request([
      ['User-Name', 'anna@example.com'],
      ['User-Password', 'hemligt lösen'],
      ['State', Buffer.from('0123456789abcdef', 'hex')],
      [33, Buffer.from('first')],
      [33, Buffer.from('second')],
    ]);
    const r = decodeAccessRequest(p, SECRET);
    expect(r).toMatchObject({ identifier: 42, userName: 'anna@example.com', password: 'hemligt lösen' });
    expect(r.state?.toString('hex')).toBe('0123456789abcdef');
    expect(r.proxyStates.map((b) => b.toString())).toEqual(['first', 'second']);
  });
});

describe('encodeAnswer', () => {
  const req = request([
    ['User-Name', 'anna'],
    [33, Buffer.from('ps-1')],
    [33, Buffer.from('ps-2')],
  ]);
  const decoded = decodeAccessRequest(req, SECRET);

  it('is accepted by the codec’s client-side verification (authenticator and Message-Authenticator)', () => {
    for (const code of ['Access-Accept', 'Access-Reject', 'Access-Challenge'] as const) {
      const ans = encodeAnswer(decoded, { code, replyMessage: 'Hej', state: Buffer.from('st') }, SECRET);
      expect(radius.verify_response({ request: Buffer.from(req), response: Buffer.from(ans), secret: SECRET })).toBe(
        true,
      );
      expect(radius.verify_response({ request: Buffer.from(req), response: Buffer.from(ans), secret: 'x' })).toBe(
        false,
      );
    }
  });

  it('puts the Message-Authenticator first and echoes Proxy-State in order; recomputed independently', () => {
    const ans = encodeAnswer(decoded, { code: 'Access-Reject', replyMessage: 'Nej' }, SECRET);
    const attrs = rawAttributes(ans) ?? [];
    expect(attrs[0]?.type).toBe(80);
    expect(attrs.filter((a) => a.type === 33).map((a) => a.value.toString())).toEqual(['ps-1', 'ps-2']);
    expect(attrs.filter((a) => a.type === 18).map((a) => a.value.toString())).toEqual(['Nej']);
    // RFC 3579 §3.2: HMAC-MD5 with the Request Authenticator in place and the MAC zeroed …
    const forMac = Buffer.from(ans);
    decoded.authenticator.copy(forMac, 4);
    forMac.fill(0, 22, 38);
    expect(createHmac('md5', SECRET).update(forMac).digest()).toEqual(ans.subarray(22, 38));
    // … RFC 2865 §3: MD5(Code+Id+Length+RequestAuth+Attributes+Secret).
    const forAuth = Buffer.from(ans);
    decoded.authenticator.copy(forAuth, 4);
    expect(createHash('md5').update(forAuth).update(SECRET).digest()).toEqual(ans.subarray(4, 20));
    expect(ans[0]).toBe(3);
    expect(ans[1]).toBe(42);
  });

  it('splits a long Reply-Message at 253 bytes without cutting a character', () => {
    const text = 'å'.repeat(300);
    const parts = splitReplyMessage(text);
    expect(parts.every((p) => p.length <= 253)).toBe(true);
    expect(Buffer.concat(parts).toString('utf8')).toBe(text);
    const ans = encodeAnswer(decoded, { code: 'Access-Reject', replyMessage: text }, SECRET);
    expect(radius.decode({ packet: ans, secret: SECRET }).attributes['Reply-Message']).toHaveLength(parts.length);
  });
});
