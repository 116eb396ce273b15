/**
 * sipp UAS scenarios for media tests (extends sipp-scenarios.ts): answers with a chosen SDP, then
 * sends DTMF as RFC 2833 from the shipped pcap, as an in-band tone file (rtp_stream), or as SIP INFO.
 * `[media_ip]`/`[media_port]` are sipp's `-mi`/`-mp`, where play_pcap_audio/rtp_stream send from.
 */
import { RECV_BYE_200, RECV_INVITE, SEND_200_TO_LAST, SEND_BYE, scenario } from './sipp-scenarios';

export const SIPP_PCAP_DIR = '/usr/share/sip-tester';

function sdp(formats: string, telephoneEvent: boolean): string {
  return `v=0
o=sipp 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP ${formats}
a=rtpmap:0 PCMU/8000
${telephoneEvent ? 'a=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\n' : ''}`;
}

const HEADERS = `[last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>`;

/**
 * `remember`: keep the caller's From/Contact for requests sipp sends later (sipp rejects unused variables).
 * A copy of the INVITE that comes after the 200 OK (the caller's Timer A retransmission, sent before
 * any answer reached it: a loaded machine) gets the 200 again, as from a real UAS; without that sipp
 * aborts the call on an "unexpected message" and never sends what the scenario does after the ACK.
 */
function answer(formats: string, telephoneEvent: boolean, remember = false): string {
  return `${remember ? RECV_INVITE : '  <recv request="INVITE"/>\n'}  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      ${HEADERS}
      Content-Length: 0
    ]]>
  </send>
  <label id="ok"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      ${HEADERS}
      Content-Type: application/sdp
      Content-Length: [len]

${sdp(formats, telephoneEvent)}
    ]]>
  </send>
  <recv request="INVITE" optional="true" next="ok"/>
  <recv request="ACK"/>
`;
}

/**
 * Wait `ms` unless our BYE arrives first (a BYE during <pause> would fail the sipp call). If it
 * arrives, answer it and end the scenario.
 */
function waitOrBye(ms: number, n: number): string {
  return `  <recv request="BYE" timeout="${ms}" ontimeout="w${n}"/>
${SEND_200_TO_LAST}  <nop next="end"/>
  <label id="w${n}"/>
`;
}

const END = `  <label id="end"/>\n`;

function info(signal: string, cseq: number): string {
  return `  <send retrans="500">
    <![CDATA[
      INFO [$caller_contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
      To: [$caller_from]
      [last_Call-ID:]
      CSeq: ${cseq} INFO
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

Signal=${signal}
Duration=250
    ]]>
  </send>
  <recv response="200"/>
`;
}

/** PCMU + telephone-event; after `delayMs` plays the shipped RFC 2833 pcap(s), then waits for our BYE. */
export function rfc2833Scenario(pcaps: readonly string[], delayMs = 1500): string {
  let body = answer('0 101', true) + waitOrBye(delayMs, 0);
  pcaps.forEach((p, i) => {
    body += `  <nop><action><exec play_pcap_audio="${SIPP_PCAP_DIR}/${p}"/></action></nop>\n`;
    if (i < pcaps.length - 1) body += waitOrBye(600, i + 1);
  });
  return scenario('rfc2833', `${body}${RECV_BYE_200}${END}`);
}

/** PCMU only (no telephone-event); streams a headerless µ-law file (in-band tones) as PT 0. */
export function inbandScenario(ulawFile: string, delayMs = 1500): string {
  const body = `${answer('0', false)}${waitOrBye(delayMs, 0)}  <nop><action><exec rtp_stream="${ulawFile},1,0"/></action></nop>
${RECV_BYE_200}${END}`;
  return scenario('inband', body);
}

/** Sends each signal as an in-dialog INFO (application/dtmf-relay), `gapMs` apart. */
export function infoScenario(signals: readonly string[], delayMs = 1500, gapMs = 300): string {
  let body = answer('0 101', true, true) + waitOrBye(delayMs, 0);
  signals.forEach((s, i) => {
    body += info(s, 10 + i);
    if (i < signals.length - 1) body += waitOrBye(gapMs, i + 1);
  });
  return scenario('info', `${body}${RECV_BYE_200}${END}`);
}

/**
 * Bursts of in-dialog INFO digits at chosen times: each burst waits `waitMs` after the previous one
 * (the first after answer), then sends its signals `gapMs` apart. For IVR flows with several tries
 * (a wrong PIN three times). With no bursts it just answers and waits for our BYE.
 */
export function timedInfoScenario(
  bursts: readonly { readonly waitMs: number; readonly signals: readonly string[] }[],
  gapMs = 150,
): string {
  // sipp refuses variables it never uses: remember the caller only when INFOs will be sent.
  let body = answer(
    '0 101',
    true,
    bursts.some((b) => b.signals.length > 0),
  );
  let n = 0;
  let cseq = 10;
  for (const b of bursts) {
    body += waitOrBye(b.waitMs, n++);
    b.signals.forEach((s, i) => {
      // gapMs 0: back to back (each INFO still waits for its 200), which keeps sipp's label count low.
      if (i > 0 && gapMs > 0) body += waitOrBye(gapMs, n++);
      body += info(s, cseq++);
    });
  }
  return scenario('timed-info', `${body}${RECV_BYE_200}${END}`);
}

/** Answers, waits `afterMs` (the prompt is playing), then hangs up with BYE. */
export function calleeByeScenario(afterMs: number): string {
  return scenario('callee-bye', `${answer('0 101', true, true)}${waitOrBye(afterMs, 0)}${SEND_BYE}${END}`);
}

/** Rings (180) until our CANCEL, then 200 to the CANCEL and 487 to the INVITE. */
export function ringOutScenario(): string {
  return scenario(
    'ring-out',
    `  <recv request="INVITE"/>
  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      ${HEADERS}
      Content-Length: 0
    ]]>
  </send>
  <recv request="CANCEL"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <send>
    <![CDATA[
      SIP/2.0 487 Request Terminated
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      CSeq: [cseq] INVITE
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
`,
  );
}
