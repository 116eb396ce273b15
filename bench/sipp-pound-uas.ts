/**
 * What the benchmarks' phones do (sipp, one scenario for bench:calls and bench:app): answer with
 * PCMU + telephone-event, and unless BYE comes within `waitMs`, play the shipped RFC 2833 '#' pcap,
 * then wait for BYE. A copy of the INVITE after the 200 (our Timer A retransmission when sipp was
 * too busy to answer within 500 ms) gets the 200 again, as from a real UAS: without that sipp aborted
 * the call as "unexpected" and never played the '#' — 3-11 % of the calls at 150-200/s ended
 * no-input with no '#' on the wire (bench:app, capture complete).
 */
import type { ChildProcess } from 'node:child_process';
import { SEND_200_TO_LAST } from '../test/support/peers/sipp-scenarios';

/** Where Debian's sip-tester package puts sipp's pcap files. */
export const SIPP_PCAP_DIR = '/usr/share/sip-tester';

export function poundUasScenario(name: string, waitMs: number): string {
  const hdr = `[last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="${name}">
  <recv request="INVITE"/>
  <label id="answer"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      ${hdr}
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

v=0
o=sipp 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
    ]]>
  </send>
  <recv request="INVITE" optional="true" next="answer"/>
  <recv request="ACK"/>
  <recv request="BYE" timeout="${waitMs}" ontimeout="play"/>
  <nop next="ok"/>
  <label id="play"/>
  <nop><action><exec play_pcap_audio="${SIPP_PCAP_DIR}/dtmf_2833_pound.pcap"/></action></nop>
  <recv request="BYE"/>
  <label id="ok"/>
${SEND_200_TO_LAST}</scenario>
`;
}

/** The exit code once the child has ended (at once if it already has). */
export function waitExit(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r(child.exitCode);
    else child.once('exit', (code) => r(code));
  });
}
