/**
 * `fyrkant serve` as real child processes on one site (a config file, one SQLite database, a trunk
 * port where the test's sipp callee listens), for tests of whole nodes: drain, crash recovery,
 * several nodes behind a load balancer. Everything started here is stopped by `cleanup()`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createApiKey, openStore } from '../../src/store';
import { writeCallConfig } from './call-config';
import { spawnCli, waitForExit, waitForJsonLine } from './cli';
import { type SippPeer, startSippUas } from './peers/sipp';
import { timedInfoScenario } from './peers/sipp-media-scenarios';
import { freeEvenPortPair, freePort } from './ports';

export interface Site {
  readonly dir: string;
  readonly dbPath: string;
  readonly configFile: string;
  readonly trunkPort: number;
  /** An admin API key. */
  readonly key: string;
}

export interface RunningNode {
  readonly child: ChildProcess;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
}

export interface AttemptRow {
  readonly id: string;
  readonly state: string;
  readonly outcome: string;
  readonly reasonCode: string;
  readonly ownerNode: string;
  readonly tryNo: number;
  readonly retryOf: string | null;
}

export type Api = (
  method: string,
  path: string,
  body?: unknown,
  lang?: string,
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
) => Promise<{ status: number; headers: Headers; body: any }>;

export const IN_CALL = ['answered', 'in-script', 'listening'];

export class ServeSites {
  private readonly dirs: string[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly peers: SippPeer[] = [];

  /**
   * A site whose calls go to a sipp callee on `trunkPort`; `node` and `retry` are config sections,
   * `extra` more top-level sections (e.g. `policy`).
   */
  async site(
    node: Record<string, unknown>,
    retry = { maxRetries: 0, backoffSeconds: 1 },
    extra: Record<string, unknown> = {},
  ): Promise<Site> {
    const dir = mkdtempSync(join(tmpdir(), 'fyrkant-site-'));
    this.dirs.push(dir);
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
        jobs: {
          retentionDays: 30,
          trunkHealthCron: '0 0 1 1 *',
          expiryCron: '*/5 * * * *',
          retentionCron: '17 3 * * *',
        },
        verification: { retry },
        node: { id: 'node-under-test', heartbeatSeconds: 1, leaseSeconds: 3, ...node },
        ...extra,
      },
    });
    const dbPath = join(dir, 'data', 'fyrkant.db');
    const store = openStore({ path: dbPath });
    const key = createApiKey(store.db, { name: 'site', scopes: ['admin'] }).key;
    store.close();
    return { dir, dbPath, configFile, trunkPort, key };
  }

  /** One `fyrkant serve` of the site (env: e.g. `FYRKANT_NODE__ID`), once it says it is listening. */
  async serve(s: Site, env: Record<string, string> = {}): Promise<RunningNode> {
    const child = spawnCli(['serve'], { env: { FYRKANT_CONFIG: s.configFile, ...env } });
    this.children.push(child);
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
  async callee(s: Site, pressAfterMs: number, calls = 1, starts = 1): Promise<SippPeer> {
    const peer = await startSippUas({
      scenarioXml: timedInfoScenario([{ waitMs: pressAfterMs, signals: ['#'] }]),
      port: s.trunkPort,
      mediaPort: await freeEvenPortPair(),
      calls: calls + starts,
      timeoutS: 120,
      extraArgs: ['-aa'],
    });
    this.peers.push(peer);
    return peer;
  }

  /** What every sipp peer said, for failure messages. */
  peerOutput(): string {
    return this.peers.map((p) => `${p.output()}\n${p.logs()}`).join('\n');
  }

  async cleanup(): Promise<void> {
    for (const c of this.children.splice(0))
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await waitForExit(c).catch(() => {});
      }
    await Promise.all(this.peers.splice(0).map((p) => p.stop()));
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** Distinct calls (Call-IDs) sipp received an INVITE for — retransmissions count once. */
export function invitesSeen(peer: SippPeer): number {
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

/** The REST API of a node as the holder of `key`. */
export function api(base: string, key: string): Api {
  return async (method, path, body, lang = 'en') => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        'accept-language': lang,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = await res.json().catch(() => undefined);
    return { status: res.status, headers: res.headers, body: json };
  };
}

/** Polls `probe` until `ok`; the error names `what` and the last value. */
export async function waitFor<T>(
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

/** A user with an office phone; returns the path that starts its enrollment call. */
export async function userWithPhone(call: Api, n: number): Promise<string> {
  const u = await call('POST', '/api/v1/users', { username: `user${n}` });
  const m = await call('POST', `/api/v1/users/${u.body.id}/phone-methods`, {
    kind: 'office',
    country: 'SE',
    number: `08-123 456 ${String(n).padStart(2, '0')}`,
  });
  if (u.status !== 201 || m.status !== 201)
    throw new Error(`could not make user${n}: ${u.status} ${JSON.stringify(u.body)} / ${m.status}`);
  return `/api/v1/users/${u.body.id}/phone-methods/${m.body.id}/verify`;
}

/** Starts one enrollment call through `call` and waits until it is answered; `peers` for errors. */
export async function callInProgress(call: Api, n: number, peers: () => string = () => ''): Promise<string> {
  const v = await call('POST', await userWithPhone(call, n));
  if (v.status !== 202) throw new Error(`verification not accepted: ${v.status} ${JSON.stringify(v.body)}`);
  const id = v.body.attemptId as string;
  await waitFor(
    () => call('GET', `/api/v1/attempts/${id}`),
    (a) => IN_CALL.includes(a.body?.state),
    'the call to be answered',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nsipp:\n${peers()}`);
  });
  return id;
}

/** The site's attempts as the database has them, oldest first. */
export function attemptRows(dbPath: string): AttemptRow[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db
      .prepare(
        'SELECT id, state, outcome, reason_code AS reasonCode, owner_node AS ownerNode, try_no AS tryNo, retry_of AS retryOf FROM attempts ORDER BY queued_at',
      )
      .all() as AttemptRow[];
  } finally {
    db.close();
  }
}

export function nodeRows(dbPath: string): unknown[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT id, state, active_calls AS activeCalls FROM nodes').all();
  } finally {
    db.close();
  }
}
