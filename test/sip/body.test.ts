/** The session description of a message body: plain SDP, or the SDP part of multipart bodies (RFC 5621). */
import { parseMessage, type SipMessage, sessionBodyOf } from '../../src/telephony/embedded/sip/message';

function response(contentType: string | undefined, body: Buffer | string): SipMessage {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const head = [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1',
    'From: <sip:a@x>;tag=1',
    'To: <sip:b@x>;tag=2',
    'Call-ID: c1',
    'CSeq: 1 INVITE',
    ...(contentType ? [`Content-Type: ${contentType}`] : []),
    `Content-Length: ${bytes.length}`,
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.concat([Buffer.from(head), bytes]));
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const ISUP = Buffer.from([0x09, 0x01, 0x11, 0x48, 0x00, 0x0a, 0x03, 0x02, 0x00, 0x0d, 0x0a, 0x2d, 0x2d]);

describe('sessionBodyOf', () => {
  it('passes a plain body through and has nothing for an empty one', () => {
    expect(sessionBodyOf(response('application/sdp', SDP))).toEqual({ contentType: 'application/sdp', content: SDP });
    expect(sessionBodyOf(response(undefined, ''))).toBeUndefined();
  });

  it('takes the SDP part of a SIP-I multipart/mixed body with a binary ISUP part (CRLF, quoted boundary, preamble)', () => {
    const body = Buffer.concat([
      Buffer.from(`preamble\r\n--b1\r\nContent-Type: application/ISUP;version=itu-t92+\r\n\r\n`),
      ISUP,
      Buffer.from(`\r\n--b1\r\ncontent-type: Application/SDP\r\n\r\n${SDP}\r\n--b1--\r\nepilogue`),
    ]);
    expect(sessionBodyOf(response('multipart/mixed; boundary="b1"', body))).toEqual({
      contentType: 'application/sdp',
      content: SDP,
    });
  });

  it('follows a nested multipart, LF-only line ends too', () => {
    const inner = `--in\nContent-Type: text/plain\n\nhello\n--in\nContent-Type: application/sdp\n\nv=0\n--in--`;
    const outer = `--out\nContent-Type: multipart/alternative;boundary=in\n\n${inner}\n--out--\n`;
    expect(sessionBodyOf(response('multipart/mixed;boundary=out', outer))?.content).toBe('v=0');
  });

  it('has no session body for a multipart without SDP, without a boundary, or nested too deep', () => {
    expect(
      sessionBodyOf(response('multipart/mixed;boundary=x', '--x\nContent-Type: text/plain\n\nhi\n--x--')),
    ).toBeUndefined();
    expect(
      sessionBodyOf(response('multipart/mixed', `--x\nContent-Type: application/sdp\n\n${SDP}\n--x--`)),
    ).toBeUndefined();
    let deep = 'v=0';
    let type = 'application/sdp';
    for (let i = 0; i < 6; i++) {
      deep = `--d${i}\nContent-Type: ${type}\n\n${deep}\n--d${i}--`;
      type = `multipart/mixed;boundary=d${i}`;
    }
    expect(sessionBodyOf(response(type, deep))).toBeUndefined();
  });

  it('never throws on garbage multipart bodies', () => {
    for (const junk of ['--', '--x', '--x\n', '--x\r\n\r\n--x--', '\n\n\n--x\nContent-Type', 'x'.repeat(1000)]) {
      expect(() => sessionBodyOf(response('multipart/mixed;boundary=x', junk))).not.toThrow();
    }
  });
});
