/**
 * The sign-in throttle across nodes (issue 19, "Shared limits and state"): two real `fyrkant serve`
 * nodes on one SQLite site, the admin login form posted like a browser. Wrong admin keys alternated
 * between node A and node B count as one series: after the 3rd failure in total the throttle owes a
 * delay for the next try — as on one node — and nodes A and B both see the 3 failures. The right key
 * still gets in (delayed, never refused) and clears the count for both. A password spray over 11
 * accounts alternated between the nodes earns the same "busy" answer (429) as on one node.
 * With the in-memory throttle wired in (each node counting its own) both fail: nothing is counted in
 * the database, and the spray's burst is answered 401 after a short wait instead of 429.
 */
import Database from 'better-sqlite3';
import { LoginThrottle } from '../../src/domain/login-throttle';
import { openStore, StoreThrottleState, throttleHashKey } from '../../src/store';
import { ServeSites } from '../support/serve-site';

jest.setTimeout(120_000);

const SECRET = 'shared-login-throttle-test-secret-0123456789';
const sites = new ServeSites();
afterEach(() => sites.cleanup());

/** Posts `key` to the admin login form of `base` (with its CSRF cookie and token); the answer's status. */
async function adminLogin(base: string, key: string): Promise<{ status: number; text: string }> {
  const form = await fetch(`${base}/admin/login`, { headers: { 'accept-language': 'en' } });
  const html = await form.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const cookie = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const res = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'accept-language': 'en',
      cookie,
      origin: base,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: token, key }).toString(),
  });
  return { status: res.status, text: await res.text() };
}

/** Failures per (source, key prefix) as the site's database holds them (hashed names: just the counts). */
function failureCounts(dbPath: string): number[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT failures FROM login_throttle_pairs').all() as { failures: number }[]).map(
      (r) => r.failures,
    );
  } finally {
    db.close();
  }
}

describe('the sign-in throttle on two nodes of one site', () => {
  it('counts wrong admin keys alternated between the nodes as one series', async () => {
    const s = await sites.site({});
    const env = { FYRKANT_HTTP__SESSION_SECRET: SECRET };
    const [a, b] = await Promise.all([
      sites.serve(s, { FYRKANT_NODE__ID: 'node-a', ...env }),
      sites.serve(s, { FYRKANT_NODE__ID: 'node-b', ...env }),
    ]);
    const prefix = /^fyk_([a-z0-9]{8})_/.exec(s.key)?.[1] ?? '';
    const wrong = `fyk_${prefix}_${'W'.repeat(43)}`;
    // The throttle's rules over the site's counts, as the nodes keep them (scope 'web', same key).
    const store = openStore({ path: s.dbPath });
    const shared = new LoginThrottle(
      {},
      undefined,
      new StoreThrottleState(store.db, { hashKey: throttleHashKey(SECRET), scope: 'web', windowMs: 15 * 60_000 }),
    );
    try {
      const owed = () => shared.pendingDelay('127.0.0.1', prefix);
      for (const [i, node] of [a!, b!, a!].entries()) {
        expect(owed()).toBe(0); // fewer than 3 failures in total: no delay yet
        const bad = await adminLogin(node.url, wrong);
        expect(bad.status).toBe(401);
        expect(bad.text).toContain('name="key"');
        expect(failureCounts(s.dbPath)).toEqual([i + 1]);
      }
      // The 3rd failure in total (2 on A, 1 on B): the next try from this address waits, on either node.
      expect(owed()).toBeGreaterThan(0);
      // The right key on B still gets in after the wait, and clears the count for every node.
      const ok = await adminLogin(b!.url, s.key);
      expect(ok.status).toBe(303);
      expect(failureCounts(s.dbPath)).toEqual([0]);
      expect(owed()).toBe(0);
    } finally {
      store.close();
    }
  });

  it('refuses a spray over both nodes as busy after the same number of accounts as one node', async () => {
    const s = await sites.site({});
    const env = { FYRKANT_HTTP__SESSION_SECRET: SECRET };
    const [a, b] = await Promise.all([
      sites.serve(s, { FYRKANT_NODE__ID: 'node-a', ...env }),
      sites.serve(s, { FYRKANT_NODE__ID: 'node-b', ...env }),
    ]);
    const keyFor = (i: number) => `fyk_spray${String(i).padStart(3, '0')}_${'W'.repeat(43)}`;
    // Eleven wrong keys of eleven accounts (prefixes), alternating A, B, A …: the spray rule lets 5
    // accounts through free, then slows every try from this address 1 s, 2 s … up to 30 s.
    for (let i = 0; i < 11; i++) {
      const bad = await adminLogin((i % 2 === 0 ? a! : b!).url, keyFor(i));
      expect(bad.status).toBe(401);
    }
    expect(failureCounts(s.dbPath)).toEqual(Array(11).fill(1));
    // The address now owes 30 s per try. Three more at once, over both nodes: two line up (30 s and
    // 60 s, within maxWaitMs) and the third would wait longer — the throttle's "busy" answer.
    const tries = [a!, b!, a!].map((n, i) => adminLogin(n.url, keyFor(20 + i)));
    for (const t of tries) t.catch(() => undefined); // the queued ones end when the nodes are killed
    // The refused one answers at once; the two lined up wait 30 s or more before theirs.
    const busy = await Promise.race(tries);
    expect(busy.status).toBe(429);
    expect(busy.text).toContain('Too many failed sign-ins');
    expect(busy.text).toContain('name="key"');
  });
});
