/** Helpers for SIP core tests: a UA on 127.0.0.1:0 and a static SDP offer (media comes from the media layer). */

import { createSipSignalling, type SipCoreOptions, type SipSignalling } from '../../../src/telephony/embedded/sip';
import type { TraceEvent } from '../../../src/telephony/port';

export const OFFER = {
  contentType: 'application/sdp',
  content:
    'v=0\r\no=fyrkant 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n',
};

export function makeUa(overrides: Partial<SipCoreOptions> & { trunkUri: string }): SipSignalling {
  const { trunkUri, ...rest } = overrides;
  return createSipSignalling({
    listen: { host: '127.0.0.1', port: 0 },
    transport: 'udp',
    timers: { t1: 100, t2: 400, t4: 500, timerD: 500 },
    ...rest,
    trunk: { fromUser: 'fyrkant', ...(rest.trunk ?? {}), uri: trunkUri },
  });
}

export function traceCollector(): { events: TraceEvent[]; sink: (e: TraceEvent) => void; summaries(): string[] } {
  const events: TraceEvent[] = [];
  return {
    events,
    sink: (e) => events.push(e),
    summaries: () => events.flatMap((e) => (e.kind === 'sip' ? [`${e.direction} ${e.summary}`] : [])),
  };
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
