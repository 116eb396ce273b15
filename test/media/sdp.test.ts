import { SdpNegotiator } from '../../src/telephony/embedded/media/sdp/negotiate';
import { parseSdp, SdpError } from '../../src/telephony/embedded/media/sdp/parse';

const local = { address: '127.0.0.1', port: 40000 };

function answer(lines: string[]): string {
  return ['v=0', 'o=peer 1 1 IN IP4 10.0.0.9', 's=-', 'c=IN IP4 10.0.0.9', 't=0 0', ...lines].join('\r\n') + '\r\n';
}

describe('SDP offer', () => {
  it('offers PCMU, PCMA and telephone-event 0-16 at ptime 20, sendrecv, on our address', () => {
    const offer = new SdpNegotiator(local).createOffer();
    expect(offer).toMatch(/^v=0\r\n/);
    expect(offer).toContain('c=IN IP4 127.0.0.1\r\n');
    expect(offer).toContain('m=audio 40000 RTP/AVP 0 8 101\r\n');
    expect(offer).toContain('a=rtpmap:0 PCMU/8000\r\n');
    expect(offer).toContain('a=rtpmap:8 PCMA/8000\r\n');
    expect(offer).toContain('a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n');
    expect(offer).toContain('a=ptime:20\r\na=sendrecv\r\n');
    const parsed = parseSdp(offer);
    expect(parsed.media).toHaveLength(1);
  });

  it('can leave telephone-event out and honours codec order', () => {
    const offer = new SdpNegotiator({ ...local, codecs: ['PCMA'], telephoneEvent: false }).createOffer();
    expect(offer).toContain('m=audio 40000 RTP/AVP 8\r\n');
    expect(offer).not.toContain('telephone-event');
  });
});

describe('SDP answer', () => {
  it('takes the answerer codec and its telephone-event payload type', () => {
    const n = new SdpNegotiator(local);
    n.createOffer();
    const r = n.applyAnswer(
      answer([
        'm=audio 6000 RTP/AVP 8 96',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:96 telephone-event/8000',
        'a=fmtp:96 0-15',
      ]),
    );
    expect(r).toEqual({
      ok: true,
      media: expect.objectContaining({
        remoteAddress: '10.0.0.9',
        remotePort: 6000,
        codec: 'PCMA',
        payloadType: 8,
        telephoneEventPt: 96,
        send: true,
        receive: true,
        ptime: 20,
      }),
    });
  });

  it('uses the media-level c= over the session one and static PT 0 without rtpmap', () => {
    const n = new SdpNegotiator(local);
    const r = n.applyAnswer(answer(['m=audio 6002 RTP/AVP 0', 'c=IN IP4 10.1.1.1', 'a=ptime:30']));
    expect(r.ok && r.media).toMatchObject({
      remoteAddress: '10.1.1.1',
      codec: 'PCMU',
      telephoneEventPt: undefined,
      ptime: 30,
    });
  });

  it('rejects answers without a common codec, with port 0 or without audio', () => {
    const n = new SdpNegotiator(local);
    const g729 = n.applyAnswer(answer(['m=audio 6000 RTP/AVP 18', 'a=rtpmap:18 G729/8000']));
    expect(g729).toEqual({ ok: false, reason: expect.stringContaining('no common codec') });
    expect(n.applyAnswer(answer(['m=audio 0 RTP/AVP 0'])).ok).toBe(false);
    expect(n.applyAnswer(answer(['m=video 6000 RTP/AVP 31'])).ok).toBe(false);
    expect(n.applyAnswer('garbage').ok).toBe(false);
    expect(n.applyAnswer(answer(['m=audio 99999 RTP/AVP 0'])).ok).toBe(false);
  });

  it('does not negotiate telephone-event we did not offer', () => {
    const n = new SdpNegotiator({ ...local, telephoneEvent: false });
    const r = n.applyAnswer(answer(['m=audio 6000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000']));
    expect(r.ok && r.media.telephoneEventPt).toBeUndefined();
  });

  it('reads a sendonly/recvonly answer as who may send', () => {
    const n = new SdpNegotiator(local);
    const r = n.applyAnswer(answer(['m=audio 6000 RTP/AVP 0', 'a=recvonly']));
    expect(r.ok && [r.media.send, r.media.receive]).toEqual([true, false]);
  });
});

describe('SDP re-INVITE offers', () => {
  function started() {
    const n = new SdpNegotiator(local);
    n.createOffer();
    n.applyAnswer(answer(['m=audio 6000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000']));
    return n;
  }

  it('answers hold (sendonly) with recvonly and stops sending', () => {
    const n = started();
    const { body, result } = n.answerOffer(
      answer(['m=audio 6000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=sendonly']),
    );
    expect(body).toContain('a=recvonly');
    expect(body).toContain('m=audio 40000 RTP/AVP 0 101');
    expect(result.ok && [result.media.send, result.media.receive]).toEqual([false, true]);
  });

  it('answers inactive with inactive', () => {
    const { body, result } = started().answerOffer(answer(['m=audio 6000 RTP/AVP 0', 'a=inactive']));
    expect(body).toContain('a=inactive');
    expect(result.ok && [result.media.send, result.media.receive]).toEqual([false, false]);
  });

  it('treats c=0.0.0.0 as old-style hold', () => {
    const offer = answer(['m=audio 6000 RTP/AVP 0']).replace('c=IN IP4 10.0.0.9', 'c=IN IP4 0.0.0.0');
    const { body, result } = started().answerOffer(offer);
    expect(body).toContain('a=recvonly');
    expect(result.ok && result.media.send).toBe(false);
  });

  it('follows an address/port change and bumps the session version only when the body changes', () => {
    const n = started();
    const first = n.answerOffer(answer(['m=audio 6000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000']));
    const again = n.answerOffer(answer(['m=audio 6000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000']));
    const version = (b: string) => Number(/^o=\S+ \S+ (\d+)/m.exec(b)![1]);
    expect(version(again.body)).toBe(version(first.body));
    const moved = n.answerOffer(
      answer(['m=audio 7000 RTP/AVP 8 0', 'c=IN IP4 10.2.2.2']).replace('c=IN IP4 10.0.0.9\r\n', ''),
    );
    expect(moved.result.ok && moved.result.media).toMatchObject({
      remoteAddress: '10.2.2.2',
      remotePort: 7000,
      codec: 'PCMU',
    });
    expect(moved.body).toContain('m=audio 40000 RTP/AVP 0\r\n');
    expect(version(moved.body)).toBe(version(first.body) + 1);
  });

  it('rejects every stream of an offer without a common codec, keeping the m= count', () => {
    const { body, result } = started().answerOffer(answer(['m=audio 6000 RTP/AVP 18', 'm=video 6002 RTP/AVP 31']));
    expect(result.ok).toBe(false);
    expect(body.match(/^m=/gm)).toHaveLength(2);
    expect(body).toContain('m=audio 0 RTP/AVP 18');
  });

  it('answers a body-less re-INVITE with a fresh offer', () => {
    const { body } = started().answerOffer(undefined);
    expect(body).toContain('m=audio 40000 RTP/AVP 0 8 101');
  });

  it('never throws SdpError past the negotiator, and the parser rejects malformed lines', () => {
    expect(() => parseSdp('v=0\r\nthis is not sdp')).toThrow(SdpError);
    expect(started().answerOffer('v=1').result.ok).toBe(false);
  });
});

describe('SDES (RFC 4568) per sip.trunk.srtp', () => {
  const key = Buffer.alloc(30, 7).toString('base64');
  const crypto = (tag = 1, extra = '') => `a=crypto:${tag} AES_CM_128_HMAC_SHA1_80 inline:${key}${extra}`;
  const audio = (proto: string, ...more: string[]) => answer([`m=audio 6000 ${proto} 0 101`, ...more]);

  it('off offers plain RTP/AVP; optional adds a=crypto to RTP/AVP; required offers RTP/SAVP', () => {
    expect(new SdpNegotiator(local).createOffer()).not.toContain('crypto');
    const optional = new SdpNegotiator({ ...local, srtp: 'optional' }).createOffer();
    expect(optional).toMatch(
      /m=audio 40000 RTP\/AVP 0 8 101\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}\r\n/,
    );
    const required = new SdpNegotiator({ ...local, srtp: 'required' }).createOffer();
    expect(required).toContain('m=audio 40000 RTP/SAVP 0 8 101\r\na=crypto:1 ');
    // A fresh key per call.
    expect(new SdpNegotiator({ ...local, srtp: 'required' }).createOffer().match(/inline:(\S+)/)![1]).not.toBe(
      required.match(/inline:(\S+)/)![1],
    );
  });

  it('an answer with our tag and suite gives both keys; send with ours, receive with theirs', () => {
    const n = new SdpNegotiator({ ...local, srtp: 'required' });
    const ours = Buffer.from(n.createOffer().match(/inline:(\S+)/)![1]!, 'base64');
    const r = n.applyAnswer(audio('RTP/SAVP', crypto(1, '|2^31'), 'a=rtpmap:101 telephone-event/8000'));
    expect(r.ok && r.media.srtp).toEqual({
      suite: 'AES_CM_128_HMAC_SHA1_80',
      sendKey: ours,
      receiveKey: Buffer.alloc(30, 7),
    });
  });

  it.each([
    ['required', 'RTP/AVP', [], /no usable SRTP key.*sip\.trunk\.srtp is required/],
    ['required', 'RTP/SAVP', [crypto(2)], /no usable SRTP key/], // not the tag we offered
    ['required', 'RTP/SAVP', [crypto(1, '|2^31|1:4')], /no usable SRTP key/], // MKI: not supported
    ['optional', 'RTP/SAVP', [], /no usable SRTP key/],
    ['off', 'RTP/SAVP', [crypto()], /RTP\/SAVP \(SRTP\) but sip\.trunk\.srtp is off/],
  ] as const)('%s: an answer %s %j is refused with the reason', (srtp, proto, lines, reason) => {
    const n = new SdpNegotiator({ ...local, srtp });
    n.createOffer();
    const r = n.applyAnswer(audio(proto, ...lines));
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('optional: a plain answer is a plain-RTP call', () => {
    const n = new SdpNegotiator({ ...local, srtp: 'optional' });
    n.createOffer();
    const r = n.applyAnswer(audio('RTP/AVP'));
    expect(r.ok && r.media.srtp).toBeUndefined();
    expect(r.ok).toBe(true);
  });

  it("answers a re-INVITE's SRTP offer with its proto, its tag and our key; refuses SAVP when off", () => {
    const n = new SdpNegotiator({ ...local, srtp: 'optional' });
    const { body, result } = n.answerOffer(audio('RTP/SAVP', crypto(5), 'a=rtpmap:101 telephone-event/8000'));
    expect(body).toMatch(/m=audio 40000 RTP\/SAVP 0 101\r\na=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:/);
    expect(result.ok && result.media.srtp?.receiveKey).toEqual(Buffer.alloc(30, 7));
    const off = new SdpNegotiator(local).answerOffer(audio('RTP/SAVP', crypto(5)));
    expect(off.result).toEqual({ ok: false, reason: expect.stringMatching(/RTP\/SAVP.*sip\.trunk\.srtp off/) });
    expect(off.body).toContain('m=audio 0 RTP/SAVP');
    const required = new SdpNegotiator({ ...local, srtp: 'required' }).answerOffer(audio('RTP/AVP'));
    expect(required.result.ok).toBe(false);
  });
});
