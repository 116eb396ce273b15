/**
 * The policy's rate-limit ledger in the database (issue 19): every node on this database counts the
 * same windows and the same concurrent-call slots, and a restart forgets nothing.
 *
 * `acquire` reads every count and writes the call and its slot in ONE `BEGIN IMMEDIATE` transaction:
 * SQLite lets one writer in at a time across processes on the file, and better-sqlite3 runs it
 * without yielding, so two nodes can never both take the last slot. A slot counts while its node is
 * alive as the node registry defines it — not stopped, and a heartbeat no older than a lease — and
 * always for this ledger's own node (it is running the call). Slots of stopped or lost nodes, and
 * calls older than the longest window, are pruned about once a minute.
 */
import { randomUUID } from 'node:crypto';
import type {
  Acquired,
  Lease,
  RateLimitKey,
  RateLimitLedger,
  RateLimits,
  Window,
} from '../../domain/policy/rate-limit-ledger';
import { CONCURRENT_RETRY_MS } from '../../domain/policy/rate-limit-ledger';
import type { Db } from '../open';
import { immediate, prepared } from './prepared';

export interface StoreLedgerOptions {
  /** This node's id (`nodes.id`); its slots are written under it. */
  readonly nodeId: string;
  /** The node registry's lease: another node's slots stop counting this long after its last heartbeat. */
  readonly leaseMs: number;
  readonly limits: RateLimits;
  /** A failed release (the slot then stays until this node stops or restarts). Default: ignored. */
  readonly onReleaseError?: (err: unknown) => void;
}

const PRUNE_EVERY_MS = 60_000;

/** A slot counts: this node's, or its node is not stopped and beat within a lease. */
const LIVE = `(s.node_id = @self OR EXISTS (SELECT 1 FROM nodes n WHERE n.id = s.node_id
  AND n.state <> 'stopped' AND n.heartbeat_at >= @since))`;
const COUNT_LIVE = `SELECT count(*) AS n FROM rate_limit_slots s WHERE ${LIVE}`;
const COUNT_OWN = 'SELECT count(*) AS n FROM rate_limit_slots WHERE node_id = ?';
const INSERT_CALL = 'INSERT INTO rate_limit_calls (at, user_id, number) VALUES (?, ?, ?)';
const INSERT_SLOT = 'INSERT INTO rate_limit_slots (id, node_id, acquired_at) VALUES (?, ?, ?)';
const DELETE_SLOT = 'DELETE FROM rate_limit_slots WHERE id = ?';
const PRUNE_CALLS = 'DELETE FROM rate_limit_calls WHERE at <= ?';
const PRUNE_SLOTS = `DELETE FROM rate_limit_slots AS s WHERE NOT ${LIVE}`;

/** Per window kind: which calls it holds (the time bound is added). */
const WINDOWS = {
  user: 'user_id = ? AND ',
  number: 'number = ? AND ',
  global: '',
} as const;
type WindowKind = keyof typeof WINDOWS;

export class StoreRateLimitLedger implements RateLimitLedger {
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly o: StoreLedgerOptions,
  ) {}

  /** This node's slots (its calls in progress). */
  get active(): number {
    return this.count(COUNT_OWN, [this.o.nodeId]);
  }

  /** Slots that count towards the global limit now: every live node's. */
  liveSlots(at = Date.now()): number {
    return this.count(COUNT_LIVE, [{ self: this.o.nodeId, since: at - this.o.leaseMs }]);
  }

  acquire(key: RateLimitKey, at = Date.now()): Acquired {
    return immediate(this.db.$client, () => {
      if (at - this.lastPrune > PRUNE_EVERY_MS) {
        this.prune(at);
        this.lastPrune = at;
      }
      const denied = this.deny(key, at);
      if (denied) return denied;
      const sqlite = this.db.$client;
      prepared(sqlite, INSERT_CALL).run(at, key.userId ?? null, key.number);
      const id = randomUUID();
      prepared(sqlite, INSERT_SLOT).run(id, this.o.nodeId, at);
      return { ok: true as const, lease: this.lease(id) };
    });
  }

  /** Deletes calls older than the longest window and slots that no longer count. Inside `acquire` once a minute. */
  prune(at = Date.now()): void {
    const l = this.o.limits;
    const horizon = Math.max(l.perUser.windowSeconds, l.perNumber.windowSeconds, 60) * 1000;
    const sqlite = this.db.$client;
    prepared(sqlite, PRUNE_CALLS).run(at - horizon);
    prepared(sqlite, PRUNE_SLOTS).run({ self: this.o.nodeId, since: at - this.o.leaseMs });
  }

  /** The first limit the call would break, in the in-memory limiter's order; undefined when it fits. */
  private deny(key: RateLimitKey, at: number): Acquired | undefined {
    const l = this.o.limits;
    if (this.liveSlots(at) >= l.globalConcurrent)
      return { ok: false, reason: 'rate-limit-concurrent', retryAfterMs: CONCURRENT_RETRY_MS };
    const perNode = l.perNodeConcurrent ?? 0;
    if (perNode > 0 && this.active >= perNode)
      return { ok: false, reason: 'rate-limit-node-concurrent', retryAfterMs: CONCURRENT_RETRY_MS };
    const g = this.check('global', null, { max: l.globalPerMinute, windowSeconds: 60 }, at);
    if (g !== null) return { ok: false, reason: 'rate-limit-global', retryAfterMs: g };
    if (key.userId) {
      const u = this.check('user', key.userId, l.perUser, at);
      if (u !== null) return { ok: false, reason: 'rate-limit-user', retryAfterMs: u };
    }
    const n = this.check('number', key.number, l.perNumber, at);
    if (n !== null) return { ok: false, reason: 'rate-limit-number', retryAfterMs: n };
    return undefined;
  }

  /** Null when one more call fits in the window; else ms until enough calls have left it. */
  private check(kind: WindowKind, value: string | null, w: Window, at: number): number | null {
    if (w.max === 0) return null;
    const windowMs = w.windowSeconds * 1000;
    const where = `${WINDOWS[kind]}at > ?`;
    const params = value === null ? [at - windowMs] : [value, at - windowMs];
    const inside = this.count(`SELECT count(*) AS n FROM rate_limit_calls WHERE ${where}`, params);
    if (inside < w.max) return null;
    // When the (inside − max)-th oldest call leaves the window, one more fits.
    const row = prepared<unknown[], { at: number }>(
      this.db.$client,
      `SELECT at FROM rate_limit_calls WHERE ${where} ORDER BY at LIMIT 1 OFFSET ?`,
    ).get(...params, inside - w.max);
    return Math.max(1, (row?.at ?? at) + windowMs - at);
  }

  private count(sql: string, params: unknown[]): number {
    return (prepared<unknown[], { n: number }>(this.db.$client, sql).get(...params) as { n: number }).n;
  }

  private lease(id: string): Lease {
    const { db, o } = this;
    let released = false;
    return {
      id,
      get released() {
        return released;
      },
      release() {
        if (released) return;
        released = true;
        try {
          prepared(db.$client, DELETE_SLOT).run(id);
        } catch (err) {
          o.onReleaseError?.(err);
        }
      },
    };
  }
}

/** A node (re)starting holds no calls yet: slots a previous run of it left behind go. */
export function releaseNodeSlots(db: Db, nodeId: string): number {
  return prepared(db.$client, 'DELETE FROM rate_limit_slots WHERE node_id = ?').run(nodeId).changes;
}
