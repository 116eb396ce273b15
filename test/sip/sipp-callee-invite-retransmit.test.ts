/**
 * The sipp callees of the serve-site tests (`timedInfoScenario`) and of the SIP/e2e tests
 * (`answerScenario`) under load: our INVITE retransmission
 * (Timer A, UDP) can reach sipp after it has already sent its 200 OK. A real UAS absorbs the copy; the
 * callee must too, or sipp aborts the call and never presses '#' — the run then ends no-input although
 * nothing of ours lost a key. Driven with a raw UDP socket, so the copy arrives exactly there.
 */
import { createSocket, type Socket } from 'node:dgram';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { timedInfoScenario } from '../support/peers/sipp-media-scenarios';
import { answerScenario } from '../support/peers/sipp-scenarios';
import { freeEvenPortPair } from '../support/ports';
import { requireTool } from '../support/tools';

jest.setTimeout(60_000);

let sock: Socket;
let peer: SippPeer | undefined;
const inbox: string[] = [];
let arrived: () => void = () => {};

beforeAll(async () => {
  requireTool('sipp', 'sip-tester');
  sock = createSocket('udp4');
  sock.on('message', (m) => {
    inbox.push(m.toString('latin1'));
    arrived();
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
});

afterAll(async () => {
  await peer?.stop();
  sock.close();
});

/** The first message in the inbox that satisfies `pred`, or null once sipp has exited without one. */
async function next(pred: (m: string) => boolean, exited: Promise<unknown>): Promise<string | null> {
  let done = false;
  void exited.then(() => {
    done = true;
    arrived();
  });
  for (;;) {
    const i = inbox.findIndex(pred);
    if (i >= 0) return inbox.splice(i, 1)[0]!;
    if (done) return null;
    await new Promise<void>((r) => {
      arrived = r;
    });
  }
}

function send(text: string, port: number): Promise<void> {
  return new Promise((r, j) => sock.send(Buffer.from(text, 'latin1'), port, '127.0.0.1', (e) => (e ? j(e) : r())));
}

function invite(port: number, local: number): string {
  const sdp =
    'v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n';
  return [
    `INVITE sip:1001@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bKretrans1;rport`,
    `From: <sip:t@127.0.0.1:${local}>;tag=ft1`,
    `To: <sip:1001@127.0.0.1:${port}>`,
    'Call-ID: retrans-1@127.0.0.1',
    'CSeq: 1 INVITE',
    `Contact: <sip:t@127.0.0.1:${local}>`,
    'Max-Forwards: 70',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
}

function inDialog(method: 'ACK' | 'BYE', cseq: number, port: number, local: number, toTag: string): string {
  return [
    `${method} sip:sipp@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bKretrans${method};rport`,
    `From: <sip:t@127.0.0.1:${local}>;tag=ft1`,
    `To: <sip:1001@127.0.0.1:${port}>;tag=${toTag}`,
    'Call-ID: retrans-1@127.0.0.1',
    `CSeq: ${cseq} ${method}`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A 200 to sipp's INFO, echoing its transaction headers. */
function okTo(req: string): string {
  const h = (name: string) => req.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))!;
  return [
    'SIP/2.0 200 OK',
    ...req.split('\r\n').filter((l) => /^via:/i.test(l)),
    h('From'),
    h('To'),
    h('Call-ID'),
    h('CSeq'),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/**
 * Starts sipp on `scenarioXml`, sends our INVITE, then — after sipp's 200 OK — the copy Timer A sent
 * before our side saw any answer; expects the 200 OK again (as from a real UAS) and ACKs it.
 */
async function answeredDespiteCopy(scenarioXml: string) {
  await peer?.stop();
  inbox.length = 0;
  const p = await startSippUas({ scenarioXml, mediaPort: await freeEvenPortPair(), timeoutS: 30 });
  peer = p;
  const exited = p.finished();
  const local = sock.address().port;
  const inv = invite(p.port, local);
  await send(inv, p.port);
  const ok = await next((m) => m.startsWith('SIP/2.0 200'), exited);
  expect(ok).not.toBeNull();
  await send(inv, p.port);
  expect(await next((m) => m.startsWith('SIP/2.0 200'), exited)).toMatch(/^CSeq: 1 INVITE/m);
  const toTag = /^To:.*;tag=([^\s;]+)/im.exec(ok!)![1]!;
  await send(inDialog('ACK', 1, p.port, local, toTag), p.port);
  return { port: p.port, local, toTag, exited };
}

it("a retransmitted INVITE after sipp's 200 OK does not stop the callee pressing '#'", async () => {
  const c = await answeredDespiteCopy(timedInfoScenario([{ waitMs: 200, signals: ['#'] }]));
  const info = await next((m) => m.startsWith('INFO '), c.exited);
  expect(info).toMatch(/Signal=#/);
  await send(okTo(info!), c.port);
});

it('the plain answering callee (answerScenario) answers the copy again and still takes our BYE', async () => {
  const c = await answeredDespiteCopy(answerScenario());
  await send(inDialog('BYE', 2, c.port, c.local, c.toTag), c.port);
  expect(await next((m) => m.startsWith('SIP/2.0 200'), c.exited)).toMatch(/^CSeq: 2 BYE/m);
});
