/**
 * A node's own concurrent-call limit queues, it does not refuse (issue 19): one real `fyrkant serve`
 * with `policy.rateLimits.globalConcurrent: 10` and `perNodeConcurrent: 2`, a sipp callee that
 * presses # a while after answering.
 *
 * Four verifications sent at once → all four accepted (202), none refused `rate-limit-node-concurrent`;
 * sipp never has more than two calls open (an INVITE opens a call, our BYE closes it, in the order
 * sipp logged them), and all four calls are placed and approved — the last two once lines are free.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SippPeer } from '../support/peers/sipp';
import { api, attemptRows, invitesSeen, ServeSites, userWithPhone } from '../support/serve-site';

jest.setTimeout(180_000);

const sites = new ServeSites();
afterEach(() => sites.cleanup());

/** The most calls sipp had open at once: new INVITEs (no To tag) open one, BYEs close it, in log order. */
function mostOpenAtOnce(peer: SippPeer): number {
  const log = readFileSync(join(peer.dir, 'messages.log'), 'utf8');
  const open = new Set<string>();
  let most = 0;
  for (const block of log.split(/message received/).slice(1)) {
    const msg = block.slice(block.indexOf('\n')).trimStart();
    const header = (name: string) => new RegExp(`^${name}:\\s*(.+?)\\s*$`, 'im').exec(msg)?.[1];
    const id = header('Call-ID');
    if (!id) continue;
    if (msg.startsWith('INVITE ') && !/;\s*tag=/i.test(header('To') ?? '')) open.add(id);
    if (msg.startsWith('BYE ')) open.delete(id);
    most = Math.max(most, open.size);
  }
  return most;
}

describe('a node with perNodeConcurrent below globalConcurrent', () => {
  it('queues the calls over its own limit: 4 requests at once → 4 × 202, at most 2 calls at once', async () => {
    const rateLimits = { globalConcurrent: 10, perNodeConcurrent: 2 };
    const s = await sites.site({}, undefined, { policy: { rateLimits } });
    const sipp = await sites.callee(s, 2_000, 4);
    const node = await sites.serve(s);
    const call = api(node.url, s.key);

    const paths: string[] = [];
    for (let n = 1; n <= 4; n++) paths.push(await userWithPhone(call, n));
    const answers = await Promise.all(paths.map((p) => call('POST', p)));
    expect(answers.map((r) => [r.status, r.body?.reasonCode])).toEqual(Array(4).fill([202, undefined]));

    // Every call is placed in its turn and approved (# pressed); none is refused for the node's limit.
    for (const r of answers) expect(await sites.ended(call, r.body.attemptId)).toMatchObject({ outcome: 'approved' });
    expect(invitesSeen(sipp)).toBe(4);
    expect(mostOpenAtOnce(sipp)).toBe(2);
    const rows = attemptRows(s.dbPath);
    expect(rows.map((r) => r.outcome)).toEqual(['approved', 'approved', 'approved', 'approved']);
    expect(rows.filter((r) => r.reasonCode === 'rate-limit-node-concurrent')).toEqual([]);
  });
});
