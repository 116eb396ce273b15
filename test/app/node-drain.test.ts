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
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createApiKey, openStore } from '../../src/store';
import { writeCallConfig } from '../support/call-config';
import { runCli, spawnCli, waitForExit, waitForJsonLine } from '../support/cli';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { timedInfoScenario } from '../support/peers/sipp-media-scenarios';
import { freeEvenPortPair, freePort } from '../support/ports';

jest.setTimeout(180_000);

const dirs: string[] = [];
const children: ChildProcess[] = [];
const peers: SippPeer[] = [];

afterEach(async () => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await waitForExit(c).catch(() => {});
    }
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Site {
  readonly dir: string;
  readonly dbPath: string;
  readonly configFile: string;
  readonly trunkPort: number;
  readonly key: string;
}

async function site(node: Record<string, unknown>, retry = { maxRetries: 0, backoffSeconds: 1 }): Promise<Site> {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-drain-'));
  dirs.push(dir);
  const trunkPort = await freePort();
  const configFile = await writeCallConfig({
    dir,
    promptCacheDir: join(dir, 'prompts'),
    allowSipUriDial: false,
    ringTimeoutSeconds: 30,
    trunk: { uri: `sip:127.0.0.1:${trunkPort}` },
    extra: {
      homeCountry: 'SE',
      http: { address: '127.0.0.1', port: 0 },
      dialPlan: { requestUri: 'sip:{e164}@{host}' },
      jobs: { retentionDays: 30, trunkHealthCron: '0 0 1 1 *', expiryCron: '*/5 * * * *', retentionCron: '17 3 * * *' },
      verification: { retry },
      node: { id: 'node-under-test', heartbeatSeconds: 1, leaseSeconds: 3, ...node },
    },
  });
  const dbPath = join(dir, 'data', 'fyrkant.db');
  const store = openStore({ path: dbPath });
  const key = createApiKey(store.db, { name: 'drain', scopes: ['admin'] }).key;
  store.close();
  return { dir, dbPath, configFile, trunkPort, key };
}

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
}

async function serve(s: Site, env: Record<string, string> = {}): Promise<Running> {
  const child = spawnCli(['serve'], { env: { FYRKANT_CONFIG: s.configFile, ...env } });
  children.push(child);
  const logs: Record<string, unknown>[] = [];
  let buf = '';
  child.stdout?.on('data', (b: Buffer) => {
    buf += b.toString('utf8');
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines)
      try {
        logs.push(JSON.parse(l));
      } catch {}
  });
  const up = await waitForJsonLine<{ url: string }>(child, (o) => o.fyrkant === 'listening', 60_000);
  return { child, url: up.url, logs };
}

/**
 * A callee that answers, presses # after `pressAfterMs` (INFO), then waits for our BYE. Each
 * `serve` start probes the trunk with one OPTIONS, which sipp answers itself (-aa) but counts as a
 * call: `starts` of them come on top of the calls.
 */
async function callee(s: Site, pressAfterMs: number, calls = 1, starts = 1): Promise<SippPeer> {
  const peer = await startSippUas({
    scenarioXml: timedInfoScenario([{ waitMs: pressAfterMs, signals: ['#'] }]),
    port: s.trunkPort,
    mediaPort: await freeEvenPortPair(),
    calls: calls + starts,
    timeoutS: 120,
    // fyrkant probes the trunk with OPTIONS when it starts: answered by sipp itself, not a call.
    extraArgs: ['-aa'],
  });
  peers.push(peer);
  return peer;
}

/** Distinct calls (Call-IDs) sipp received an INVITE for — retransmissions count once. */
function invitesSeen(peer: SippPeer): number {
  const log = readFileSync(join(peer.dir, 'messages.log'), 'utf8');
  const ids = new Set<string>();
  for (const block of log.split(/message received/).slice(1)) {
    const msg = block.slice(block.indexOf('\n')).trimStart();
    if (!msg.startsWith('INVITE ')) continue;
    const id = /^Call-ID:\s*(\S+)/im.exec(msg)?.[1];
    if (id) ids.add(id);
  }
  return ids.size;
}

function api(base: string, key: string) {
  return async (method: string, path: string, body?: unknown, lang = 'en') => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        'accept-language': lang,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
    const json = (await res.json().catch(() => undefined)) as any;
    return { status: res.status, headers: res.headers, body: json };
  };
}

type Api = ReturnType<typeof api>;

/** A user with an office phone; returns the path that starts its enrollment call. */
async function userWithPhone(call: Api, n: number): Promise<string> {
  const u = await call('POST', '/api/v1/users', { username: `user${n}` });
  const m = await call('POST', `/api/v1/users/${u.body.id}/phone-methods`, {
    kind: 'office',
    country: 'SE',
    number: `08-123 456 ${String(n).padStart(2, '0')}`,
  });
  expect([u.status, m.status]).toEqual([201, 201]);
  return `/api/v1/users/${u.body.id}/phone-methods/${m.body.id}/verify`;
}

async function waitFor<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const IN_CALL = ['answered', 'in-script', 'listening'];

/** Starts one enrollment call and waits until it is answered (the callee presses # later). */
async function callInProgress(call: Api, n: number): Promise<string> {
  const v = await call('POST', await userWithPhone(call, n));
  expect(v.status).toBe(202);
  const id = v.body.attemptId as string;
  await waitFor(
    () => call('GET', `/api/v1/attempts/${id}`),
    (a) => IN_CALL.includes(a.body?.state),
    'the call to be answered',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nsipp:\n${peers.map((p) => `${p.output()}\n${p.logs()}`).join('\n')}`);
  });
  return id;
}

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

function attemptRows(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db
      .prepare(
        'SELECT id, state, outcome, reason_code AS reasonCode, owner_node AS ownerNode, try_no AS tryNo, retry_of AS retryOf FROM attempts ORDER BY queued_at',
      )
      .all() as {
      id: string;
      state: string;
      outcome: string;
      reasonCode: string;
      ownerNode: string;
      tryNo: number;
      retryOf: string | null;
    }[];
  } finally {
    db.close();
  }
}

function nodeRow(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT id, state, active_calls AS activeCalls FROM nodes').all();
  } finally {
    db.close();
  }
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
    expect(nodeRow(s.dbPath)).toEqual([{ id: 'node-under-test', state: 'stopped', activeCalls: 0 }]);
    expect(node.logs.some((l) => l.msg === 'drained: no calls left')).toBe(true);
  });

  it('`fyrkant node drain` has the same effect, noticed within a heartbeat; `node list` shows it', async () => {
    const s = await site({ drainSeconds: 60 });
    const sipp = await callee(s, 3000);
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
