/**
 * The shipped HAProxy example (deploy/haproxy.cfg) in front of two real `fyrkant serve` nodes on one
 * database, with sipp as the phones (issue 19, "In front"):
 * - both nodes serve through it (its `/readyz` health check finds both);
 * - an event stream on one node follows a call the other node runs, to its end;
 * - one node drains with a call in progress: no request through the balancer fails (a 503 from the
 *   draining node is retried on the other one, then the health check takes it out), the new calls
 *   are placed by the other node, the draining node's call completes and it exits 0.
 */
import { runCli, waitForExit } from '../support/cli';
import { startHaproxy } from '../support/peers/haproxy';
import type { PeerProcess } from '../support/peers/process';
import { freePort } from '../support/ports';
import { api, attemptRows, IN_CALL, invitesSeen, ServeSites, userWithPhone, waitFor } from '../support/serve-site';

jest.setTimeout(180_000);

const sites = new ServeSites();
let lb: PeerProcess | undefined;
afterEach(async () => {
  await lb?.stop();
  await sites.cleanup();
});

// biome-ignore lint/suspicious/noExplicitAny: SSE payloads are checked field by field
function sseEvents(text: string): { event: string; data: any }[] {
  return text
    .split('\n\n')
    .filter((b) => b.includes('event:'))
    .map((b) => ({ event: /event: (.*)/.exec(b)?.[1] ?? '', data: JSON.parse(/data: (.*)/.exec(b)?.[1] ?? 'null') }));
}

/** Which node answered `/readyz` through the balancer ("node-a: running"). */
async function readyzVia(url: string): Promise<string> {
  const r = await fetch(`${url}/readyz`);
  const body = (await r.json().catch(() => ({}))) as { checks?: { node?: { detail?: string } } };
  return `${r.status} ${body.checks?.node?.detail ?? '?'}`;
}

describe('HAProxy in front of two nodes (deploy/haproxy.cfg)', () => {
  it('uses both; a draining node leaves the pool without one failed request; its call completes', async () => {
    const s = await sites.site({ drainSeconds: 60 });
    // Three calls (one on node-a, two through the balancer) and one trunk probe per start.
    const sipp = await sites.callee(s, 6000, 3, 2);
    const a = await sites.serve(s, { FYRKANT_NODE__ID: 'node-a' });
    const b = await sites.serve(s, { FYRKANT_NODE__ID: 'node-b' });
    const hostPort = (u: string) => new URL(u).host;
    const proxy = await startHaproxy({
      port: await freePort(),
      nodes: [hostPort(a.url), hostPort(b.url)],
      // Long enough that the requests right after the drain reach node-a before a check sees it
      // (HAProxy starts with every server up): they only succeed through `retry-on 503`.
      checkInterval: '10s',
    });
    lb = proxy;

    const seen = new Set<string>();
    await waitFor(
      async () => seen.add(await readyzVia(proxy.url)),
      (set) => set.has('200 node-a: running') && set.has('200 node-b: running'),
      'both nodes to answer through the balancer',
      20_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nhaproxy:\n${proxy.output()}`);
    });

    // A call on node-a, followed live (SSE) on node-b, which does not run it.
    const callA = api(a.url, s.key);
    const v = await callA('POST', await userWithPhone(callA, 1));
    expect(v.status).toBe(202);
    const onA = v.body.attemptId as string;
    const followedOnB = fetch(`${b.url}/api/v1/attempts/${onA}/events`, {
      headers: { authorization: `Bearer ${s.key}` },
    }).then((r) => r.text());
    await waitFor(
      () => callA('GET', `/api/v1/attempts/${onA}`),
      (r) => IN_CALL.includes(r.body?.state),
      'the call on node-a to be answered',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nsipp:\n${sites.peerOutput()}`);
    });
    const env = { FYRKANT_CONFIG: s.configFile };
    const drain = await runCli(['node', 'drain', '--node', 'node-a'], { env });
    expect(drain.code).toBe(0);
    await waitFor(
      () => readyzVia(a.url),
      (r) => r === '503 node-a: draining',
      'node-a to drain',
    );

    // Right away, before the health check noticed: every request through the balancer still works.
    const viaLb = api(proxy.url, s.key);
    const started: string[] = [];
    for (const n of [2, 3]) {
      const v = await viaLb('POST', await userWithPhone(viaLb, n));
      expect([v.status, v.body?.error]).toEqual([202, undefined]);
      started.push(v.body.attemptId as string);
    }
    await waitFor(
      () => readyzVia(proxy.url),
      (r) => r === '200 node-b: running',
      'the balancer to send everything to node-b',
    );
    for (let i = 0; i < 5; i++) expect(await readyzVia(proxy.url)).toBe('200 node-b: running');

    // node-a finishes its call and exits; node-b placed the new calls.
    expect(await waitForExit(a.child, 60_000)).toBe(0);
    const rows = await waitFor(
      async () => attemptRows(s.dbPath),
      (r) => r.length === 3 && r.every((x) => x.state === 'ended'),
      'all three calls to end',
      60_000,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(onA)).toMatchObject({ ownerNode: 'node-a', outcome: 'approved' });
    for (const id of started) expect(byId.get(id)).toMatchObject({ ownerNode: 'node-b', outcome: 'approved' });
    expect(invitesSeen(sipp)).toBe(3);

    // node-b's stream saw node-a's call to its end (the database feed; no bus reaches across nodes).
    let timer: NodeJS.Timeout | undefined;
    const events = sseEvents(
      await Promise.race([
        followedOnB,
        new Promise<never>((_, fail) => {
          timer = setTimeout(() => fail(new Error("node-b's event stream did not end with node-a's call")), 15_000);
        }),
      ]).finally(() => clearTimeout(timer)),
    );
    const states = events.filter((e) => e.event === 'state').map((e) => e.data.state);
    expect(states.filter((x, i) => x !== states[i - 1])).toEqual(
      expect.arrayContaining(['queued', 'dialling', 'answered', 'in-script']),
    );
    expect(events.find((e) => e.event === 'attempt')?.data).toMatchObject({ id: onA, outcome: 'approved' });
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { attemptId: onA, outcome: 'approved' } });

    b.child.kill('SIGTERM');
    expect(await waitForExit(b.child, 30_000)).toBe(0);
  });
});
