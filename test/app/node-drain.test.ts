/**
 * Drain and crash recovery with real processes (issue 19): `fyrkant serve` as a child process calls
 * a sipp callee that answers and presses # (SIP INFO) a few seconds later.
 *
 * - SIGTERM during a call: /readyz 503 "draining", a new verification 503 + Retry-After (sv/en),
 *   the running call completes with its outcome recorded, the process exits 0.
 * - `fyrkant node drain` (a flag in the database): the same, noticed within a heartbeat; `node list`
 *   shows the node draining, then stopped.
 * - A second SIGTERM while draining hangs up at once (recorded as interrupted) and still exits 0.
 * - `kill -9` mid-call: the next start ends the attempt as interrupted and retries it once (the
 *   retry policy); sipp sees exactly two INVITEs — the original attempt is never placed again.
 * - Two nodes on one database, `kill -9` one mid-call: the survivor waits out the lease, ends the
 *   call as interrupted (node-lost) and places the retry; still exactly two INVITEs.
 * - A second `serve` under a node id a live process on this host uses is refused (exit 4).
 */
import { runCli, waitForExit } from '../support/cli';
import {
  type Api,
  api,
  attemptRows,
  invitesSeen,
  nodeRows,
  ServeSites,
  callInProgress as startCall,
  userWithPhone,
  waitFor,
} from '../support/serve-site';

jest.setTimeout(180_000);

const sites = new ServeSites();
afterEach(() => sites.cleanup());

const site = sites.site.bind(sites);
const serve = sites.serve.bind(sites);
const callee = sites.callee.bind(sites);
const callInProgress = (call: Api, n: number) => startCall(call, n, () => sites.peerOutput());

/** While draining: /readyz 503 "draining" and a new call 503 + Retry-After, in both languages. */
async function expectDraining(call: Api, url: string, n: number): Promise<void> {
  const ready = await waitFor(
    () =>
      fetch(`${url}/readyz`).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { checks: { node?: unknown } },
      })),
    (r) => r.status === 503,
    '/readyz to say draining',
    10_000,
  );
  expect(ready.body.checks.node).toEqual({ ok: false, detail: 'node-under-test: draining' });
  const path = await userWithPhone(call, n);
  const en = await call('POST', path);
  expect(en.status).toBe(503);
  expect(en.headers.get('retry-after')).toBe('10');
  expect(en.body).toMatchObject({ error: 'node-draining', reasonCode: 'node-draining', retryAfterSeconds: 10 });
  expect(en.body.message).toMatch(/shutting down \(draining\) and takes no new calls/);
  const sv = await call('POST', path, undefined, 'sv');
  expect(sv.status).toBe(503);
  expect(sv.body.message).toMatch(/tar inte emot nya samtal/);
}

/** The admin dashboard as a signed-in admin sees it, in `lang`: the nodes card's row for our node. */
async function dashboardNodeRow(url: string, key: string, lang: 'sv' | 'en'): Promise<string> {
  const login = await fetch(`${url}/admin/login`, { redirect: 'manual' });
  const loginCookie = String(login.headers.get('set-cookie')).split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
  const ok = await fetch(`${url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie },
    body: new URLSearchParams({ _csrf: csrf, key }).toString(),
  });
  const cookie = ok.headers
    .getSetCookie()
    .find((c) => c.startsWith('fyrkant_admin='))!
    .split(';')[0]!;
  const page = await (await fetch(`${url}/admin?lang=${lang}`, { headers: { cookie } })).text();
  const row = /<tr data-node="node-under-test">.*?<\/tr>/s.exec(page)?.[0];
  if (!row) throw new Error(`no node row on the dashboard:\n${page.slice(0, 3000)}`);
  return row;
}

describe('drain', () => {
  it('SIGTERM during a call: no new calls, /readyz draining, the call completes and is recorded, exit 0', async () => {
    const s = await site({ drainSeconds: 60 });
    const sipp = await callee(s, 3000);
    const node = await serve(s);
    const call = api(node.url, s.key);
    const id = await callInProgress(call, 1);

    node.child.kill('SIGTERM');
    await expectDraining(call, node.url, 2);
    expect(await waitForExit(node.child, 60_000)).toBe(0);

    const a = attemptRows(s.dbPath).find((r) => r.id === id);
    expect(a).toMatchObject({ state: 'ended', outcome: 'approved', ownerNode: 'node-under-test' });
    // Nothing was recorded for the refused calls; only the one call went out.
    expect(attemptRows(s.dbPath)).toHaveLength(1);
    expect(invitesSeen(sipp)).toBe(1);
    expect(nodeRows(s.dbPath)).toEqual([{ id: 'node-under-test', state: 'stopped', activeCalls: 0 }]);
    expect(node.logs.some((l) => l.msg === 'drained: no calls left')).toBe(true);
  });

  it('`fyrkant node drain` has the same effect, noticed within a heartbeat; `node list` shows it', async () => {
    const s = await site({ drainSeconds: 60 });
    // The call must still be up after the drain request, three dashboard reads and a `node list`
    // run: each CLI start costs seconds on a loaded machine (a CI run saw the node already stopped
    // with a 3 s call), so the phone holds 12 s before it presses '#'.
    const sipp = await callee(s, 12_000);
    const node = await serve(s);
    const call = api(node.url, s.key);
    const env = { FYRKANT_CONFIG: s.configFile };

    const listed = await runCli(['node', 'list', '--json'], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { id: 'node-under-test', status: 'running', state: 'running', httpUrl: node.url, pid: node.child.pid },
    ]);

    expect(await dashboardNodeRow(node.url, s.key, 'en')).toMatch(/Taking calls/);
    expect(await dashboardNodeRow(node.url, s.key, 'sv')).toMatch(/Tar emot samtal/);

    const id = await callInProgress(call, 1);
    // --wait follows the node until it has stopped (the call finishing first).
    const waiting = runCli(['node', 'drain', '--node', 'node-under-test', '--wait'], { env, timeoutMs: 90_000 });
    await expectDraining(call, node.url, 2);
    const row = await dashboardNodeRow(node.url, s.key, 'sv');
    expect(row).toMatch(/Dränerar \(inga nya samtal\)/);
    expect(row).toContain(`<td>${node.url}</td>`);
    expect(await dashboardNodeRow(node.url, s.key, 'en')).toMatch(/Draining \(no new calls\)<\/span><\/td><td>1<\/td>/);
    const table = await runCli(['node', 'list'], { env });
    expect(table.stdout).toMatch(/node-under-test\s+draining — draining \(no new calls\)\s+1\s/);

    expect(await waitForExit(node.child, 60_000)).toBe(0);
    const drained = await waiting;
    expect(drained.code).toBe(0);
    expect(drained.stdout).toMatch(/node node-under-test: drain requested/);
    expect(drained.stdout).toMatch(/node node-under-test: draining, 1 call\(s\) in progress\n/);
    expect(drained.stdout.trimEnd().split('\n').at(-1)).toBe('node node-under-test: stopped');
    expect(attemptRows(s.dbPath)).toMatchObject([{ id, state: 'ended', outcome: 'approved' }]);
    expect(invitesSeen(sipp)).toBe(1);
    const after = await runCli(['node', 'list', '--json'], { env });
    expect(JSON.parse(after.stdout)).toMatchObject([{ id: 'node-under-test', status: 'stopped', activeCalls: 0 }]);
    // A stopped node has nothing to drain: said plainly, exit 1.
    const again = await runCli(['node', 'drain'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/node "node-under-test" is stopped/);
  });

  it('a second SIGTERM while draining hangs up now, records the call as interrupted, and exits 0', async () => {
    const s = await site({ drainSeconds: 60 });
    await callee(s, 60_000);
    const node = await serve(s);
    const call = api(node.url, s.key);
    const id = await callInProgress(call, 1);
    node.child.kill('SIGTERM');
    await waitFor(
      () => fetch(`${node.url}/readyz`).then((r) => r.status),
      (st) => st === 503,
      'draining',
    );
    node.child.kill('SIGTERM');
    expect(await waitForExit(node.child, 30_000)).toBe(0);
    expect(node.logs.some((l) => String(l.msg).startsWith('second signal while draining'))).toBe(true);
    expect(attemptRows(s.dbPath)).toMatchObject([
      { id, state: 'ended', outcome: 'interrupted', reasonCode: 'shutdown' },
    ]);
  });

  it('the drain deadline hangs up the calls left with reason drain-deadline, then exits 0', async () => {
    const s = await site({ drainSeconds: 2 });
    await callee(s, 60_000);
    const node = await serve(s);
    const call = api(node.url, s.key);
    const id = await callInProgress(call, 1);
    node.child.kill('SIGTERM');
    expect(await waitForExit(node.child, 30_000)).toBe(0);
    expect(attemptRows(s.dbPath)).toMatchObject([
      { id, state: 'ended', outcome: 'interrupted', reasonCode: 'drain-deadline' },
    ]);
    expect(node.logs.some((l) => String(l.msg).startsWith('drain deadline reached'))).toBe(true);
  });
});

describe('node id', () => {
  it('a second serve on this host under the same node id is refused with one line, exit 4', async () => {
    const s = await site({});
    const first = await serve(s);
    const dup = await runCli(['serve'], { env: { FYRKANT_CONFIG: s.configFile } });
    expect(dup.code).toBe(4);
    expect(dup.stderr).toMatch(
      new RegExp(`node id "node-under-test" is in use by a running fyrkant \\(pid ${first.child.pid}\\) on this host`),
    );
    // The running node is untouched.
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await waitForExit(first.child, 30_000)).toBe(0);
  });
});

describe('kill -9 mid-call', () => {
  it('the next start ends the attempt as interrupted and retries it once; never placed twice', async () => {
    const s = await site({}, { maxRetries: 1, backoffSeconds: 1 });
    // Two calls: the one cut off by the kill, and the retry (answered, # pressed).
    const sipp = await callee(s, 4000, 2, 2);
    const first = await serve(s);
    const id = await callInProgress(api(first.url, s.key), 1);
    first.child.kill('SIGKILL');
    expect(await waitForExit(first.child)).toBe('SIGKILL');
    expect(attemptRows(s.dbPath)).toMatchObject([{ id, state: expect.stringMatching(/answered|in-script|listening/) }]);

    const second = await serve(s);
    const call = api(second.url, s.key);
    const original = await call('GET', `/api/v1/attempts/${id}`);
    expect(original.body).toMatchObject({ state: 'ended', outcome: 'interrupted', reasonCode: 'process-restart' });
    // The retry: a new attempt (try 2) chained to the interrupted one, answered and approved.
    const rows = await waitFor(
      async () => attemptRows(s.dbPath),
      (r) => r.length === 2 && r[1]!.state === 'ended',
      'the retry to finish',
      60_000,
    );
    expect(rows[1]).toMatchObject({ tryNo: 2, retryOf: id, outcome: 'approved', ownerNode: 'node-under-test' });
    expect(invitesSeen(sipp)).toBe(2);

    second.child.kill('SIGTERM');
    expect(await waitForExit(second.child, 30_000)).toBe(0);
    expect(invitesSeen(sipp)).toBe(2);
  });
});

describe('a surviving node', () => {
  it('ends the calls of a killed node once its lease has run out, and retries them itself', async () => {
    const s = await site({}, { maxRetries: 1, backoffSeconds: 1 });
    // Two nodes on one database file; each start probes the trunk once (OPTIONS).
    const sipp = await callee(s, 4000, 2, 2);
    const a = await serve(s, { FYRKANT_NODE__ID: 'node-a' });
    const b = await serve(s, { FYRKANT_NODE__ID: 'node-b' });
    const id = await callInProgress(api(a.url, s.key), 1);
    a.child.kill('SIGKILL');
    expect(await waitForExit(a.child)).toBe('SIGKILL');
    // Right after the kill node-a's lease (3 s, renewed every 1 s) still holds: node-b keeps off.
    expect(attemptRows(s.dbPath)).toMatchObject([
      { id, ownerNode: 'node-a', state: expect.stringMatching(/answered|in-script|listening/) },
    ]);

    const call = api(b.url, s.key);
    const ended = await waitFor(
      () => call('GET', `/api/v1/attempts/${id}`),
      (r) => r.body?.state === 'ended',
      'node-b to end the lost call',
      15_000,
    );
    expect(ended.body).toMatchObject({ outcome: 'interrupted', reasonCode: 'node-lost' });
    const rows = await waitFor(
      async () => attemptRows(s.dbPath),
      (r) => r.length === 2 && r[1]!.state === 'ended',
      'the retry to finish',
      60_000,
    );
    expect(rows[0]).toMatchObject({ id, ownerNode: 'node-b' });
    expect(rows[1]).toMatchObject({ tryNo: 2, retryOf: id, outcome: 'approved', ownerNode: 'node-b' });
    expect(invitesSeen(sipp)).toBe(2);

    const listed = await runCli(['node', 'list', '--json'], { env: { FYRKANT_CONFIG: s.configFile } });
    const status = Object.fromEntries(
      (JSON.parse(listed.stdout) as { id: string; status: string }[]).map((n) => [n.id, n.status]),
    );
    expect(status).toEqual({ 'node-a': 'lost', 'node-b': 'running' });

    b.child.kill('SIGTERM');
    expect(await waitForExit(b.child, 30_000)).toBe(0);
    expect(invitesSeen(sipp)).toBe(2);
  });
});
