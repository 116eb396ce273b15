/** Digest auth: RFC 2617 / RFC 7616 vectors, challenge parsing, and the never-loop retry policy. */
import {
  DigestSession,
  digestResponse,
  parseDigestChallenge,
  pickChallenge,
} from '../../src/telephony/embedded/sip/auth';
import { SipResponse } from '../../src/telephony/embedded/sip/message';

describe('digest response', () => {
  it('matches the RFC 2617 §3.5 MD5 example (qop=auth)', () => {
    const challenge = parseDigestChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    )!;
    const r = digestResponse({
      challenge,
      username: 'Mufasa',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nc: 1,
      cnonce: '0a4f113b',
    });
    expect(r).toEqual({
      response: '6629fae49393a05397450978507c4ef1',
      cnonce: '0a4f113b',
      nc: '00000001',
      qop: 'auth',
    });
  });

  it('matches the RFC 7616 §3.9.1 SHA-256 and MD5 examples', () => {
    const base =
      'realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    const input = {
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nc: 1,
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    };
    const sha = parseDigestChallenge(`Digest ${base}, algorithm=SHA-256`)!;
    expect(digestResponse({ challenge: sha, ...input }).response).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
    const md5 = parseDigestChallenge(`Digest ${base}, algorithm=MD5`)!;
    expect(digestResponse({ challenge: md5, ...input }).response).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('without qop uses the RFC 2069 form', () => {
    const c = parseDigestChallenge('Digest realm="r", nonce="n"')!;
    expect(c.qop).toEqual([]);
    expect(
      digestResponse({ challenge: c, username: 'u', password: 'p', method: 'INVITE', uri: 'sip:x', nc: 1 }).qop,
    ).toBeUndefined();
  });
});

describe('challenges', () => {
  it('prefers SHA-256 over MD5 and skips what it cannot answer', () => {
    const c = pickChallenge([
      'Digest realm="r", nonce="a", algorithm=MD5, qop="auth"',
      'Digest realm="r", nonce="b", algorithm=SHA-256, qop="auth"',
      'Basic realm="r"',
    ]);
    expect(c).toMatchObject({ nonce: 'b', algorithm: 'SHA-256' });
    expect(parseDigestChallenge('Digest realm="r", nonce="n", qop="auth-int"')).toBeUndefined();
    expect(parseDigestChallenge('Digest realm="r", nonce="n", algorithm=SHA-512-256')).toBeUndefined();
    expect(parseDigestChallenge('Digest realm="r"')).toBeUndefined();
    expect(parseDigestChallenge('NoOneKnowsThisScheme opaque-data=here')).toBeUndefined();
  });
});

function challenge(status: 401 | 407, params: string): SipResponse {
  const r = new SipResponse(status, status === 401 ? 'Unauthorized' : 'Proxy Authentication Required');
  r.add(status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate', `Digest ${params}`);
  return r;
}

describe('retry policy', () => {
  const creds = { username: 'fyrkant', password: 'secret' };

  it('answers a 407 with Proxy-Authorization and counts nc per nonce', () => {
    const s = new DigestSession(creds);
    const d = s.respond(challenge(407, 'realm="pbx", nonce="n1", qop="auth"'), 'INVITE', 'sip:1001@pbx');
    expect(d).toMatchObject({ action: 'retry', header: 'Proxy-Authorization' });
    expect(d.action === 'retry' && d.value).toMatch(
      /^Digest username="fyrkant", realm="pbx", nonce="n1", uri="sip:1001@pbx", response="[0-9a-f]{32}", algorithm=MD5, qop=auth, nc=00000001, cnonce="[0-9a-f]+"$/,
    );
  });

  it('gives up on a second challenge (wrong password) instead of looping', () => {
    const s = new DigestSession(creds);
    expect(s.respond(challenge(401, 'realm="r", nonce="n1"'), 'INVITE', 'sip:x').action).toBe('retry');
    expect(s.respond(challenge(401, 'realm="r", nonce="n2"'), 'INVITE', 'sip:x')).toMatchObject({
      action: 'fail',
      reason: 'credentials rejected (401 Unauthorized)',
    });
  });

  it('retries once more on stale=true, but only once', () => {
    const s = new DigestSession(creds);
    expect(s.respond(challenge(401, 'realm="r", nonce="n1"'), 'INVITE', 'sip:x').action).toBe('retry');
    expect(s.respond(challenge(401, 'realm="r", nonce="n2", stale=true'), 'INVITE', 'sip:x').action).toBe('retry');
    expect(s.respond(challenge(401, 'realm="r", nonce="n3", stale=true'), 'INVITE', 'sip:x').action).toBe('fail');
  });

  it('fails without credentials', () => {
    expect(new DigestSession(undefined).respond(challenge(401, 'realm="r", nonce="n"'), 'INVITE', 'sip:x').action).toBe(
      'fail',
    );
  });
});
