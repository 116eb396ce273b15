/**
 * The node registry (issue 19): each `fyrkant serve` keeps one row fresh with its heartbeat; a drain
 * request is a column the CLI (or another node) sets and the node reads on its next beat. Plain
 * conditional statements only, so the same calls work when the store moves to PostgreSQL.
 */
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../open';
import { type NodeRow, nodes } from '../schema';

export interface NodeRegistration {
  readonly id: string;
  readonly hostname: string;
  readonly pid: number;
  readonly httpUrl: string | null;
  readonly sipAddress: string | null;
  readonly version: string;
}

/**
 * Registers (or re-registers after a restart) a node as running. Clears a drain request and stop
 * time left from the previous run: a new start is a new decision to take calls.
 */
export function registerNode(db: Db, n: NodeRegistration, at: number): NodeRow {
  const row = {
    ...n,
    state: 'running' as const,
    startedAt: at,
    heartbeatAt: at,
    activeCalls: 0,
    drainRequestedAt: null,
    drainRequestedBy: null,
    stoppedAt: null,
  };
  return db.insert(nodes).values(row).onConflictDoUpdate({ target: nodes.id, set: row }).returning().get();
}

export function getNode(db: Db, id: string): NodeRow | undefined {
  return db.select().from(nodes).where(eq(nodes.id, id)).get();
}

export function listNodes(db: Db): NodeRow[] {
  return db.select().from(nodes).orderBy(desc(nodes.heartbeatAt)).all();
}

/** One heartbeat: freshness, call count, and (if given) the node's state. Returns the row as stored now. */
export function beatNode(
  db: Db,
  id: string,
  beat: { readonly at: number; readonly activeCalls: number; readonly state?: NodeRow['state'] },
): NodeRow | undefined {
  return db
    .update(nodes)
    .set({ heartbeatAt: beat.at, activeCalls: beat.activeCalls, ...(beat.state ? { state: beat.state } : {}) })
    .where(eq(nodes.id, id))
    .returning()
    .get();
}

export function setNodeAddresses(db: Db, id: string, a: { httpUrl?: string; sipAddress?: string }): void {
  db.update(nodes).set(a).where(eq(nodes.id, id)).run();
}

/** Asks a node to drain. False when there is no such node. Idempotent: the first request's time stays. */
export function requestNodeDrain(db: Db, id: string, by: string, at: number): boolean {
  const cur = getNode(db, id);
  if (!cur) return false;
  if (cur.drainRequestedAt !== null) return true;
  return db.update(nodes).set({ drainRequestedAt: at, drainRequestedBy: by }).where(eq(nodes.id, id)).run().changes > 0;
}

/** The node stopped cleanly (no calls left). */
export function markNodeStopped(db: Db, id: string, at: number): void {
  db.update(nodes)
    .set({ state: 'stopped', stoppedAt: at, heartbeatAt: at, activeCalls: 0 })
    .where(eq(nodes.id, id))
    .run();
}
