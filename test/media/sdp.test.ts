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
