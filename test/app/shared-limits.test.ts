/**
 * The concurrent-call limit shared by nodes (issue 19, "Shared limits and state"): two real
 * `fyrkant serve` nodes on one SQLite site with `policy.rateLimits.globalConcurrent: 5`, a sipp
 * callee that holds each call until it presses # well after answering.
 *
 * Eight verifications sent at once, split over the two nodes → exactly five INVITEs reach sipp
 * (each node alone would have let all four of its own through), the other three are answered 429
 * with Retry-After and reason `rate-limit-concurrent` and recorded as rate-limited. When the calls
 * have ended their slots are free again on either node: a ninth call goes out.
 */
import Database from 'better-sqlite3';
import { api, attemptRows, invitesSeen, ServeSites, userWithPhone, waitFor } from '../support/serve-site';

jest.setTimeout(180_000);

const sites = new ServeSites();
afterEach(() => sites.cleanup());

function slotRows(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM rate_limit_slots').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Waits until no call slot is held (a call's slot goes back after its hang-up). */
async function slotsReleased(dbPath: string): Promise<void> {
  await waitFor(
    async () => slotRows(dbPath),
    (n) => n === 0,
    'every call slot to be released',
    30_000,
  );
}

describe('two nodes on one database', () => {
  it('share the global concurrent-call limit: 8 requests at once → 5 calls, 3 × 429', async () => {
    const s = await sites.site({}, undefined, { policy: { rateLimits: { globalConcurrent: 5 } } });
    // Six calls (five, then one more once they are over) and one trunk probe per node start.
    const sipp = await sites.callee(s, 15_000, 6, 2);
    const a = await sites.serve(s, { FYRKANT_NODE__ID: 'node-a' });
    const b = await sites.serve(s, { FYRKANT_NODE__ID: 'node-b' });
    const nodes = [api(a.url, s.key), api(b.url, s.key)] as const;

    const paths: string[] = [];
    for (let n = 1; n <= 9; n++) paths.push(await userWithPhone(nodes[0], n));

    // Eight at once, alternating between the nodes: four each.
    const answers = await Promise.all(paths.slice(0, 8).map((p, i) => nodes[i % 2]!('POST', p)));
    const accepted = answers.filter((r) => r.status === 202);
    const refused = answers.filter((r) => r.status === 429);
    expect(answers.map((r) => r.status).sort()).toEqual([202, 202, 202, 202, 202, 429, 429, 429]);
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(r.body).toMatchObject({ error: 'rate-limited', reasonCode: 'rate-limit-concurrent' });
      expect(r.body.message).toMatch(/All lines are busy right now/);
    }

    // The five calls go out and finish (answered, # pressed); the three refused ones never do.
    for (const r of accepted)
      expect(await sites.ended(nodes[0], r.body.attemptId)).toMatchObject({ outcome: 'approved' });
    expect(invitesSeen(sipp)).toBe(5);
    const rows = attemptRows(s.dbPath);
    expect(rows).toHaveLength(8);
    expect(rows.filter((r) => r.outcome === 'approved')).toHaveLength(5);
    const limited = rows.filter((r) => r.outcome === 'rate-limited');
    expect(limited.map((r) => r.reasonCode)).toEqual([
      'rate-limit-concurrent',
      'rate-limit-concurrent',
      'rate-limit-concurrent',
    ]);
    expect(limited.map((r) => r.id).sort()).toEqual(refused.map((r) => r.body.attemptId).sort());

    // Every slot is given back (after the hang-up), whichever node held it: a new call goes out.
    await slotsReleased(s.dbPath);
    const ninth = await nodes[1]('POST', paths[8]!);
    expect(ninth.status).toBe(202);
    expect(await sites.ended(nodes[1], ninth.body.attemptId)).toMatchObject({ outcome: 'approved' });
    expect(invitesSeen(sipp)).toBe(6);
    await slotsReleased(s.dbPath);
  });
});
