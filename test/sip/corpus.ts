/** Seed corpus for fuzzing: the RFC 4475 messages plus typical messages of a call. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', 'fixtures', 'rfc4475');

const CALL = [
  'INVITE sip:1001@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKa1;rport\r\nMax-Forwards: 70\r\nFrom: "Fyrkant" <sip:fyrkant@127.0.0.1>;tag=abc\r\nTo: <sip:1001@127.0.0.1>\r\nCall-ID: fuzz-1@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:fyrkant@127.0.0.1:5070>\r\nProxy-Authorization: Digest username="u", realm="r", nonce="n", uri="sip:1001@127.0.0.1", response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="c"\r\nContent-Type: application/sdp\r\nContent-Length: 30\r\n\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n',
  'SIP/2.0 407 Proxy Authentication Required\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKa1;rport=5070;received=127.0.0.1\r\nFrom: <sip:fyrkant@127.0.0.1>;tag=abc\r\nTo: <sip:1001@127.0.0.1>;tag=xyz\r\nCall-ID: fuzz-1@127.0.0.1\r\nCSeq: 1 INVITE\r\nProxy-Authenticate: Digest realm="127.0.0.1", nonce="Zx1", qop="auth", algorithm=SHA-256, stale=false\r\nContent-Length: 0\r\n\r\n',
  'SIP/2.0 200 OK\r\nv: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKa1\r\nRecord-Route: <sip:127.0.0.1:5060;lr;ftag=abc>, <sip:10.0.0.1;lr>\r\nf: <sip:fyrkant@127.0.0.1>;tag=abc\r\nt: <sip:1001@127.0.0.1>;tag=xyz\r\ni: fuzz-1@127.0.0.1\r\nCSeq: 1 INVITE\r\nm: <sip:1001@127.0.0.1:5080;transport=tcp>\r\nSession-Expires: 1800;refresher=uac\r\nc: application/sdp\r\nl: 4\r\n\r\nv=0\r\n',
  'BYE sip:fyrkant@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5080;branch=z9hG4bKb2\r\nFrom: <sip:1001@127.0.0.1>;tag=xyz\r\nTo: <sip:fyrkant@127.0.0.1>;tag=abc\r\nCall-ID: fuzz-1@127.0.0.1\r\nCSeq: 2 BYE\r\nReason: Q.850;cause=16;text="Normal"\r\nContent-Length: 0\r\n\r\n',
  'INFO sip:fyrkant@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKc3\r\nFrom: <sip:1001@127.0.0.1>;tag=xyz\r\nTo: <sip:fyrkant@127.0.0.1>;tag=abc\r\nCall-ID: fuzz-1@127.0.0.1\r\nCSeq: 3 INFO\r\nContent-Type: application/dtmf-relay\r\nContent-Length: 24\r\n\r\nSignal=#\r\nDuration=250\r\n',
];

export function corpus(): Buffer[] {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.dat'))
    .sort()
    .map((f) => readFileSync(join(DIR, f)));
  return [...files, ...CALL.map((c) => Buffer.from(c))];
}
