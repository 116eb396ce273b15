/**
 * The shipped Kamailio dispatcher example (deploy/kamailio-dispatcher.cfg + .list, Debian's kamailio
 * 5.6) in front of two real `fyrkant serve` nodes on one database (issue 19, "In front"):
 * - Kamailio's OPTIONS probes find both nodes and mark them active;
 * - an INVITE through Kamailio reaches one node, which refuses it with 403 (fyrkant only places
 *   calls) — the caller gets that 403 through the proxy;
 * - that node drains with a call in progress: it answers the probes 503 (counted on its /metrics)
 *   and Kamailio marks it inactive; the next INVITE through Kamailio reaches the other node; the
 *   draining node's call completes and it exits 0;
 * - failover: with the draining node set active by hand (as if no probe had seen the drain yet), an
 *   INVITE first reaches it, gets 503, and Kamailio retries it on the other node (the caller sees 403);
 * - with both nodes gone Kamailio answers an INVITE itself: 503 with Retry-After.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { runCli, waitForExit } from '../support/cli';
import { type Destination, type DispatcherPeer, startKamailioDispatcher } from '../support/peers/kamailio-dispatcher';
import { freePort } from '../support/ports';
import { api, attemptRows, callInProgress, type RunningNode, ServeSites, waitFor } from '../support/serve-site';

jest.setTimeout(180_000);

const sites = new ServeSites();
let kamailio: DispatcherPeer | undefined;
let sock: Socket | undefined;
afterEach(async () => {
  sock?.close();
  sock = undefined;
  await kamailio?.stop();
  kamailio = undefined;
  await sites.cleanup();
});

interface Node {
  readonly id: string;
  readonly sipPort: number;
  readonly run: RunningNode;
}

/** One counter of the node's embedded SIP stack, from its /metrics. */
async function sipCounter(node: Node, key: string, counter: string): Promise<number> {
  const res = await fetch(`${node.run.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  const m = new RegExp(`^fyrkant_sip_stack\\{counter="${counter}"\\} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`no SIP counter ${counter} on ${node.id}'s /metrics (HTTP ${res.status})`);
  return Number(m[1]);
}

/** The dispatcher's FLAGS per node id (duid), e.g. `{ 'node-a': 'AP', 'node-b': 'IP' }`. */
function flagsByNode(list: Destination[]): Record<string, string> {
  return Object.fromEntries(list.map((d) => [d.duid, d.flags]));
}

/**
 * Sends an INVITE to the dispatcher from a raw UDP socket and returns its final response (ACKed,
 * as a caller must for a non-2xx answer).
 */
async function inviteThrough(port: number): Promise<string> {
  const s = sock ?? createSocket('udp4');
  if (!sock) {
    sock = s;
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  }
  const callId = `kd-${randomBytes(6).toString('hex')}`;
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  const via = `SIP/2.0/UDP 127.0.0.1:${s.address().port};branch=${branch};rport`;
  const common = [`Via: ${via}`, 'From: <sip:caller@127.0.0.1>;tag=c1', `Call-ID: ${callId}`, 'Max-Forwards: 70'];
  const finals: string[] = [];
  const onMessage = (m: Buffer) => {
    const text = m.toString('utf8');
    if (text.includes(`Call-ID: ${callId}\r\n`) && /^SIP\/2\.0 [2-6]/.test(text)) finals.push(text);
  };
  s.on('message', onMessage);
  const send = (lines: string[]) => s.send(Buffer.from([...lines, 'Content-Length: 0', '', ''].join('\r\n')), port);
  send([
    `INVITE sip:verify@127.0.0.1:${port} SIP/2.0`,
    ...common,
    `To: <sip:verify@127.0.0.1:${port}>`,
    'CSeq: 1 INVITE',
    `Contact: <sip:caller@127.0.0.1:${s.address().port}>`,
  ]);
  try {
    await waitFor(
      async () => finals.length,
      (n) => n > 0,
      `a final response to the INVITE through Kamailio${kamailio ? `\n${kamailio.output()}` : ''}`,
      15_000,
    );
  } finally {
    s.off('message', onMessage);
  }
  const answer = finals[0]!;
  const to = /^To: (.*)$/im.exec(answer)?.[1]?.trim() ?? '';
  send([`ACK sip:verify@127.0.0.1:${port} SIP/2.0`, ...common, `To: ${to}`, 'CSeq: 1 ACK']);
  return answer;
}

describe('Kamailio dispatcher in front of two nodes (deploy/kamailio-dispatcher.cfg)', () => {
  it('probes both; a draining node answers 503 and is marked inactive; INVITEs go to the other', async () => {
    const s = await sites.site({ drainSeconds: 60 });
    // One call (on the node that drains) and one trunk probe per start.
    await sites.callee(s, 20_000, 1, 2);
    const nodes: Node[] = [];
    for (const id of ['node-a', 'node-b']) {
      const sipPort = await freePort();
      const run = await sites.serve(s, { FYRKANT_NODE__ID: id, FYRKANT_SIP__PORT: String(sipPort) });
      nodes.push({ id, sipPort, run });
    }
    const proxy = await startKamailioDispatcher(nodes.map((n) => ({ address: `127.0.0.1:${n.sipPort}` })));
    kamailio = proxy;
    const fail = (err: Error) => {
      throw new Error(`${err.message}\nkamailio:\n${proxy.output()}`);
    };

    // The list starts every node inactive (flags 9): active only once it answered a probe with 200.
    await waitFor(
      async () => flagsByNode(await proxy.destinations()),
      (f) => f['node-a'] === 'AP' && f['node-b'] === 'AP',
      'both nodes to be probed active',
      20_000,
    ).catch(fail);

    // An INVITE through the proxy reaches one node; fyrkant only places calls: 403, passed back.
    const invites = () => Promise.all(nodes.map((n) => sipCounter(n, s.key, 'unsolicitedInvites')));
    expect(await invites()).toEqual([0, 0]);
    expect(await inviteThrough(proxy.port)).toMatch(/^SIP\/2\.0 403 Forbidden\r\n/);
    const afterFirst = await invites();
    expect(afterFirst.reduce((a, b) => a + b, 0)).toBe(1);
    const drained = nodes[afterFirst.indexOf(1)]!;
    const other = nodes.find((n) => n !== drained)!;

    // That node drains with a call in progress (so it stays up, draining, for the probes to see).
    const call = api(drained.run.url, s.key);
    const attemptId = await callInProgress(call, 1, () => sites.peerOutput());
    const drain = await runCli(['node', 'drain', '--node', drained.id], { env: { FYRKANT_CONFIG: s.configFile } });
    expect(drain.code).toBe(0);
    await waitFor(
      async () => flagsByNode(await proxy.destinations()),
      (f) => f[drained.id] === 'IP' && f[other.id] === 'AP',
      `Kamailio to mark ${drained.id} inactive`,
      20_000,
    ).catch(fail);
    // It was the node's 503 that took it out, not silence: the node counted the refused probes.
    expect(await sipCounter(drained, s.key, 'drainingRefusedOptions')).toBeGreaterThan(0);
    expect(await sipCounter(other, s.key, 'drainingRefusedOptions')).toBe(0);

    // The next INVITE through the proxy goes to the other node.
    expect(await inviteThrough(proxy.port)).toMatch(/^SIP\/2\.0 403 Forbidden\r\n/);
    expect(await sipCounter(other, s.key, 'unsolicitedInvites')).toBe(1);
    expect(await sipCounter(drained, s.key, 'unsolicitedInvites')).toBe(1);
    expect(await sipCounter(drained, s.key, 'drainingRefusedInvites')).toBe(0);

    // Failover: set the draining node active by hand, as if no probe had seen the drain yet; repeat
    // until an INVITE reached it before the next probe did. Every caller still gets the other node.
    const drainedUri = `sip:127.0.0.1:${drained.sipPort}`;
    await waitFor(
      async () => {
        await proxy.setState('ap', drainedUri);
        expect(await inviteThrough(proxy.port)).toMatch(/^SIP\/2\.0 403 Forbidden\r\n/);
        return sipCounter(drained, s.key, 'drainingRefusedInvites');
      },
      (n) => n > 0,
      `an INVITE to reach ${drained.id} while it drains`,
      10_000,
    ).catch(fail);
    expect(flagsByNode(await proxy.destinations())[drained.id]).toBe('IP');
    expect(await sipCounter(drained, s.key, 'unsolicitedInvites')).toBe(1);
    expect(await sipCounter(other, s.key, 'unsolicitedInvites')).toBeGreaterThanOrEqual(2);

    // The draining node's call completes; it exits 0.
    expect(await waitForExit(drained.run.child, 60_000)).toBe(0);
    expect(attemptRows(s.dbPath).find((r) => r.id === attemptId)).toMatchObject({
      state: 'ended',
      outcome: 'approved',
      ownerNode: drained.id,
    });

    // No node left: Kamailio answers the caller itself, 503 with Retry-After.
    other.run.child.kill('SIGTERM');
    expect(await waitForExit(other.run.child, 30_000)).toBe(0);
    await waitFor(
      async () => flagsByNode(await proxy.destinations()),
      (f) => f['node-a'] === 'IP' && f['node-b'] === 'IP',
      'Kamailio to mark both nodes inactive',
      30_000,
    ).catch(fail);
    const none = await inviteThrough(proxy.port);
    expect(none).toMatch(/^SIP\/2\.0 503 Service Unavailable\r\n/);
    expect(none).toMatch(/\r\nRetry-After: 30\r\n/);
    // The call-load bookkeeping held through failover and refusals (Kamailio logs an ERROR otherwise).
    expect(proxy.output()).not.toMatch(/\bERROR\b/);
  });
});
