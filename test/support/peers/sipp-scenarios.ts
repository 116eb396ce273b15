/** Reusable sipp UAS scenarios (XML). Media answers use a static SDP pointing at sipp's -mp port. */

const SDP = `v=0
o=sipp 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
`;

const HEADERS = `[last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]`;

export function response(status: number, reason: string, opts: { sdp?: boolean; extra?: string } = {}): string {
  return `  <send>
    <![CDATA[
      SIP/2.0 ${status} ${reason}
      ${HEADERS}
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
${opts.extra ? `      ${opts.extra}\n` : ''}${opts.sdp ? `      Content-Type: application/sdp\n      Content-Length: [len]\n\n${SDP}` : '      Content-Length: 0\n'}
    ]]>
  </send>
`;
}

export function scenario(name: string, body: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="${name}">
${body}
</scenario>
`;
}

/** Answer the last received request (BYE, INFO, …) with 200 OK, no body. */
export const SEND_200_TO_LAST = `  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
`;

/** Wait for a BYE from the caller and answer 200. */
export const RECV_BYE_200 = `  <recv request="BYE"/>
${SEND_200_TO_LAST}`;

/** 180 then 200 with SDP, wait for ACK, then wait for our BYE. */
export function answerScenario(opts: { pauseMs?: number } = {}): string {
  // A copy of the INVITE after the 200 (our Timer A retransmission when sipp answered late on a loaded
  // machine) gets the 200 again, as from a real UAS, instead of aborting the call as "unexpected".
  return scenario(
    'answer',
    `  <recv request="INVITE"/>
${response(180, 'Ringing')}${opts.pauseMs ? `  <pause milliseconds="${opts.pauseMs}"/>\n` : ''}  <label id="answer"/>
${response(200, 'OK', { sdp: true })}  <recv request="INVITE" optional="true" next="answer"/>
  <recv request="ACK"/>
${RECV_BYE_200}`,
  );
}

/** BYE sent by sipp (the callee) after answering. */
export const SEND_BYE = `  <send retrans="500">
    <![CDATA[
      BYE [$caller_contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
      To: [$caller_from]
      [last_Call-ID:]
      CSeq: 2 BYE
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>
`;

/** Receive the INVITE and remember the caller's From and Contact URI (for a BYE or re-INVITE from sipp). */
export const RECV_INVITE = `  <recv request="INVITE">
    <action>
      <ereg regexp="[^ ].*" search_in="hdr" header="From:" assign_to="caller_from"/>
      <ereg regexp="sips?:[^>;]*" search_in="hdr" header="Contact:" assign_to="caller_contact"/>
    </action>
  </recv>
`;

/** A request sipp sends inside the dialog it answered (re-INVITE, INFO, UPDATE...). Needs RECV_INVITE. */
export function inDialogRequest(
  method: string,
  cseq: number,
  opts: { sdp?: boolean; body?: { type: string; text: string } } = {},
): string {
  const body = opts.sdp
    ? `      Content-Type: application/sdp\n      Content-Length: [len]\n\n${SDP}`
    : opts.body
      ? `      Content-Type: ${opts.body.type}\n      Content-Length: [len]\n\n${opts.body.text}\n`
      : '      Content-Length: 0\n';
  return `  <send retrans="500">
    <![CDATA[
      ${method} [$caller_contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
      To: [$caller_from]
      [last_Call-ID:]
      CSeq: ${cseq} ${method}
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
${body}
    ]]>
  </send>
`;
}

/**
 * The ACK sipp sends for the 2xx to its own re-INVITE (needs RECV_INVITE). `sdp`: the answer in the
 * ACK, when sipp's re-INVITE had no offer and the 2xx carried ours (RFC 3261 §14.2).
 */
export function inDialogAck(cseq: number, sdp?: string): string {
  const body = sdp
    ? `      Content-Type: application/sdp\n      Content-Length: [len]\n\n${sdp}\n`
    : '      Content-Length: 0\n';
  return `  <send>
    <![CDATA[
      ACK [$caller_contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
      To: [$caller_from]
      [last_Call-ID:]
      CSeq: ${cseq} ACK
      Max-Forwards: 70
${body}
    ]]>
  </send>
`;
}

/** A PBX that takes the INVITE (and its retransmissions) and never answers: Timer B on our side. */
export function neverAnswerScenario(waitMs = 8000): string {
  return scenario(
    'never-answers',
    `  <recv request="INVITE"/>\n  <recv request="CANCEL" timeout="${waitMs}" ontimeout="end"/>\n  <label id="end"/>\n`,
  );
}

/** Answer an OPTIONS (trunk probe / keep-alive). */
export const OPTIONS_200 = `  <recv request="OPTIONS"/>
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
`;

/** A 200 OK to the INVITE with this body (an SDP answer, or e.g. a SIP-I multipart). */
export function ok200WithBody(body: string, contentType = 'application/sdp'): string {
  return `  <send>
    <![CDATA[
      SIP/2.0 200 OK
      ${HEADERS}
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Content-Type: ${contentType}
      Content-Length: [len]

${body}
    ]]>
  </send>
`;
}

/** Wait for our BYE (however long the test talks), answer it. */
export const BYE_LATER = `  <recv request="BYE" timeout="25000"/>
${SEND_200_TO_LAST}`;
