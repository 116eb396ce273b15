/**
 * The one-time app-password pickup across nodes (issue 19, "Shared limits and state"): two real
 * `fyrkant serve` nodes on one SQLite site, a sipp callee that answers and presses #.
 *
 * - An enrollment call run by node B issues an app password; the integrator's pickup (GET the
 *   attempt with the key that started it) on node A returns it once, and it is a working app
 *   password; a second pickup on either node gets nothing, and no sealed row is left.
 * - A node with another `http.sessionSecret` cannot open it: its pickup gets nothing, it logs a
 *   warning that says what to check (and never the secret), and the row is discarded.
 */
import Database from 'better-sqlite3';
import { type Api, api, attemptRows, ServeSites, type Site, userWithPhone, waitFor } from '../support/serve-site';

jest.setTimeout(180_000);

const sites = new ServeSites();
afterEach(() => sites.cleanup());

function sealedRows(s: Site): { attempt_id: string; sealed: string }[] {
  const db = new Database(s.dbPath, { readonly: true });
  try {
    return db.prepare('SELECT attempt_id, sealed FROM one_time_secrets').all() as never;
  } finally {
    db.close();
  }
}

/** Starts an enrollment call for user`n` through `node` and waits (in the database) for its end. */
async function enrollmentEnded(s: Site, via: Api, node: Api, n: number): Promise<string> {
  const v = await node('POST', await userWithPhone(via, n));
  expect(v.status).toBe(202);
  const id = v.body.attemptId as string;
  const row = await waitFor(
    async () => attemptRows(s.dbPath).find((r) => r.id === id),
    (r) => r?.state === 'ended',
    `attempt ${id} to end`,
    60_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nsipp:\n${sites.peerOutput()}`);
  });
  expect(row).toMatchObject({ outcome: 'approved' });
  return id;
}

describe('the one-time app password on two nodes of one site', () => {
  it('an enrollment run by node B is picked up once on node A; then on neither', async () => {
    const s = await sites.site({});
    await sites.callee(s, 500, 1, 2);
    const a = api((await sites.serve(s, { FYRKANT_NODE__ID: 'node-a' })).url, s.key);
    const b = api((await sites.serve(s, { FYRKANT_NODE__ID: 'node-b' })).url, s.key);

    const id = await enrollmentEnded(s, a, b, 1);
    expect(attemptRows(s.dbPath).find((r) => r.id === id)?.ownerNode).toBe('node-b');
    // Waiting sealed in the database: the row never shows the password.
    const [row] = sealedRows(s);
    expect(row?.attempt_id).toBe(id);

    const first = await a('GET', `/api/v1/attempts/${id}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ state: 'ended', outcome: 'approved' });
    const password = first.body.appPassword?.password as string;
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(row?.sealed).not.toContain(password);

    for (const node of [a, b]) {
      const again = await node('GET', `/api/v1/attempts/${id}`);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ state: 'ended', outcome: 'approved' });
      expect(again.body.appPassword).toBeUndefined();
    }
    expect(sealedRows(s)).toEqual([]);

    // What node A handed out is the app password node B issued and stored as a hash.
    const check = await a('POST', '/api/v1/app-passwords/check', { username: 'user1', password });
    expect(check.body).toEqual({ valid: true });
  });

  it('a node with another http.sessionSecret gets nothing, says what to check, and discards it', async () => {
    const s = await sites.site({});
    await sites.callee(s, 500, 1, 2);
    const bNode = await sites.serve(s, { FYRKANT_NODE__ID: 'node-b' });
    const cNode = await sites.serve(s, {
      FYRKANT_NODE__ID: 'node-c',
      FYRKANT_HTTP__SESSION_SECRET: 'a-different-session-secret-on-node-c-0123456789',
    });
    const b = api(bNode.url, s.key);
    const c = api(cNode.url, s.key);

    const id = await enrollmentEnded(s, b, b, 1);
    expect(sealedRows(s).map((r) => r.attempt_id)).toEqual([id]);

    const got = await c('GET', `/api/v1/attempts/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ state: 'ended', outcome: 'approved' });
    expect(got.body.appPassword).toBeUndefined();
    expect(sealedRows(s)).toEqual([]);
    // The log line arrives on the child's stdout shortly after the answer.
    const warning = await waitFor(
      async () => cNode.logs.find((l) => l.component === 'one-time-secrets'),
      (l) => l !== undefined,
      'node C to log the unreadable app password',
      10_000,
    );
    expect(warning).toMatchObject({ level: 40, attemptId: id });
    expect(String(warning?.msg)).toMatch(/every node must share http\.sessionSecret/);
    expect(JSON.stringify(cNode.logs)).not.toContain('a-different-session-secret');
    // Discarded, not left for another node: node B has nothing to hand out either.
    expect((await b('GET', `/api/v1/attempts/${id}`)).body.appPassword).toBeUndefined();
  });
});
