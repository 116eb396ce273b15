/**
 * `fyrkant serve` as real child processes on one site (a config file, one SQLite database, a trunk
 * port where the test's sipp callee listens), for tests of whole nodes: drain, crash recovery,
 * several nodes behind a load balancer. Everything started here is stopped by `cleanup()`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse, stringify } from 'yaml';
import {
  addPhoneMethod,
  createApiKey,
  createUser,
  type Db,
  immediate,
  markPhoneMethodVerified,
  openStore,
} from '../../src/store';
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
    return this.calleeAt(s.trunkPort, pressAfterMs, calls, starts);
  }

  /**
   * `callee` on another port: a second trunk, for nodes started with their own
   * `FYRKANT_SIP__TRUNK__URI` (`trunkEnv`) so one node's calls can be held while the others' finish.
   */
  async calleeAt(port: number, pressAfterMs: number, calls = 1, starts = 1): Promise<SippPeer> {
    const peer = await startSippUas({
      scenarioXml: timedInfoScenario([{ waitMs: pressAfterMs, signals: ['#'] }]),
      port,
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

  /** The attempt once ended, through the API; on time-out the failure carries what sipp said. */
  async ended(call: Api, id: string): Promise<{ outcome: string }> {
    const r = await waitFor(
      () => call('GET', `/api/v1/attempts/${id}`),
      (a) => a.body?.state === 'ended',
      `attempt ${id} to end`,
      90_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nsipp:\n${this.peerOutput()}`);
    });
    return r.body;
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

/** The environment that points one node at the sipp callee on `port` instead of the site's trunk. */
export function trunkEnv(port: number): Record<string, string> {
  return { FYRKANT_SIP__TRUNK__URI: `sip:127.0.0.1:${port}` };
}

/** Merges `patch` into the site's config file (objects key by key), for every node started after. */
export function configure(s: Site, patch: Record<string, unknown>): void {
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const old = out[k];
      const bothObjects = [old, v].every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));
      out[k] = bothObjects ? merge(old as Record<string, unknown>, v as Record<string, unknown>) : v;
    }
    return out;
  };
  writeFileSync(s.configFile, stringify(merge(parse(readFileSync(s.configFile, 'utf8')), patch)));
}

export interface SiteUser {
  readonly id: string;
  readonly username: string;
  /** Verified phones in the order they were added; the first is the default. */
  readonly methodIds: readonly string[];
}

/**
 * `count` users (`prefix`0, `prefix`1, …), each with `phones` verified office phones of their own
 * numbers, written straight into the site's database (what enrollment calls would have left).
 */
export function usersWithVerifiedPhones(s: Site, prefix: string, count: number, phones = 1): SiteUser[] {
  const store = openStore({ path: s.dbPath });
  // One write transaction, begun as one (BEGIN IMMEDIATE waits for running nodes' writes to finish).
  try {
    return immediate(store.sqlite, () => addUsers(store.db, store.sqlite, prefix, count, phones));
  } finally {
    store.close();
  }
}

function addUsers(db: Db, sqlite: Database.Database, prefix: string, count: number, phones: number): SiteUser[] {
  const out: SiteUser[] = [];
  let numbers = (sqlite.prepare('SELECT count(*) AS n FROM phone_methods').get() as { n: number }).n;
  for (let n = 0; n < count; n++) {
    const user = createUser(db, { username: `${prefix}${n}`, language: 'en-US' });
    const methodIds: string[] = [];
    for (let p = 0; p < phones; p++) {
      // 08-7xx xxx xx: a Stockholm number of its own for every phone on the site.
      const e164 = `+4687${String(numbers++).padStart(7, '0')}`;
      const m = addPhoneMethod(db, { userId: user.id, kind: 'office', country: 'SE', e164 });
      markPhoneMethodVerified(db, m.id);
      methodIds.push(m.id);
    }
    out.push({ id: user.id, username: user.username, methodIds });
  }
  return out;
}

/** One call sipp was offered, by Call-ID: the INVITEs it got and the attempt(s) they named. */
export interface InviteSeen {
  /** INVITE messages received (a retransmission counts again). */
  readonly messages: number;
  /** Distinct CSeqs of those INVITEs: more than one = a second transaction on the same call. */
  readonly cseqs: ReadonlySet<string>;
  /** The X-Fyrkant-Attempt header values: more than one = two attempts on one Call-ID. */
  readonly attempts: ReadonlySet<string>;
}

/** Every INVITE sipp received, grouped by Call-ID (initial INVITEs: no To tag; re-INVITEs are not new calls). */
export function invitesByCallId(peer: SippPeer): Map<string, InviteSeen> {
  const log = readFileSync(join(peer.dir, 'messages.log'), 'utf8');
  const calls = new Map<string, { messages: number; cseqs: Set<string>; attempts: Set<string> }>();
  for (const block of log.split(/message received/).slice(1)) {
    const msg = block.slice(block.indexOf('\n')).trimStart();
    if (!msg.startsWith('INVITE ')) continue;
    const header = (name: string) => new RegExp(`^${name}:\\s*(.+?)\\s*$`, 'im').exec(msg)?.[1];
    const id = header('Call-ID');
    if (!id || /;\s*tag=/i.test(header('To') ?? '')) continue;
    const seen = calls.get(id) ?? { messages: 0, cseqs: new Set<string>(), attempts: new Set<string>() };
    seen.messages++;
    seen.cseqs.add(header('CSeq') ?? '?');
    seen.attempts.add(header('X-Fyrkant-Attempt') ?? '?');
    calls.set(id, seen);
  }
  return calls;
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

/** The rows `sql` reads from the site's database, on a read-only connection of its own. */
function readRows(dbPath: string, sql: string): unknown[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

/** The site's attempts as the database has them, oldest first. */
export function attemptRows(dbPath: string): AttemptRow[] {
  return readRows(
    dbPath,
    'SELECT id, state, outcome, reason_code AS reasonCode, owner_node AS ownerNode, try_no AS tryNo, retry_of AS retryOf FROM attempts ORDER BY queued_at',
  ) as AttemptRow[];
}

/** Who asked for each attempt, what it called and its SIP Call-ID, as the database has them. */
export interface AttemptCall {
  readonly id: string;
  readonly userId: string | null;
  readonly phoneMethodId: string | null;
  readonly callId: string | null;
  readonly nextAttemptId: string | null;
}

export function attemptCalls(dbPath: string): AttemptCall[] {
  return readRows(
    dbPath,
    'SELECT id, user_id AS userId, phone_method_id AS phoneMethodId, call_id AS callId, next_attempt_id AS nextAttemptId FROM attempts ORDER BY queued_at',
  ) as AttemptCall[];
}

export function nodeRows(dbPath: string): unknown[] {
  return readRows(dbPath, 'SELECT id, state, active_calls AS activeCalls FROM nodes');
}
