/**
 * Call ownership (issue 19): every attempt in flight names the node that runs it and a lease the
 * node's heartbeat extends. Every claim is a conditional UPDATE that checks what it expects to find
 * (owner, lease, state) and counts the changed rows, so two nodes can never both win — the same
 * statements hold on PostgreSQL, where the row lock makes the check and the write one step.
 */
import { and, eq, inArray, isNull, lt, ne, or, type SQL } from 'drizzle-orm';
import { ATTEMPT_STATES } from '../../domain/attempt-state';
import type { Db } from '../open';
import { type AttemptRow, attempts } from '../schema';
import { prepared } from './prepared';

/**
 * The unfinished states, listed: `state IN (…)` seeks the state indexes, where `state != 'ended'`
 * would scan every attempt ever made on each heartbeat.
 */
const UNFINISHED = ATTEMPT_STATES.filter((s) => s !== 'ended');
const unfinished = () => inArray(attempts.state, UNFINISHED);

// Prepared once per connection: both run for every call (issue 20: drizzle rebuilding these two
// UPDATEs was 5 % of the main thread at 200 verifications/s).
const UNFINISHED_LIST = UNFINISHED.map((s) => `'${s}'`).join(', ');
const OWN = `UPDATE attempts SET owner_node = ?, lease_until = ?
  WHERE id = ? AND owner_node IS NULL AND state IN (${UNFINISHED_LIST})`;
const CONFIRM = `UPDATE attempts SET lease_until = ? WHERE id = ? AND owner_node = ? AND state = 'queued'`;

/** A new attempt becomes this node's (in the transaction that created it). */
export function ownAttempt(db: Db, id: string, node: string, leaseUntil: number): boolean {
  return prepared<[string, number, string]>(db.$client, OWN).run(node, leaseUntil, id).changes === 1;
}

/**
 * Right before the INVITE: still ours and still queued (no survivor has ended it while this node
 * was stalled). False = do not dial.
 */
export function confirmAttemptLease(db: Db, id: string, node: string, leaseUntil: number): boolean {
  return prepared<[number, string, string]>(db.$client, CONFIRM).run(leaseUntil, id, node).changes === 1;
}

/** The heartbeat: every unfinished attempt of this node keeps its claim until `leaseUntil`. */
export function extendAttemptLeases(db: Db, node: string, leaseUntil: number): number {
  return db
    .update(attempts)
    .set({ leaseUntil })
    .where(and(eq(attempts.ownerNode, node), unfinished()))
    .run().changes;
}

export type OrphanRow = Pick<AttemptRow, 'id' | 'state' | 'ownerNode' | 'leaseUntil'>;

/**
 * Unfinished attempts nobody runs any more: leases of other nodes that ran out before `at`, plus
 * (at a node's start) its own from the previous run and rows from before ownership existed.
 */
export function orphanedAttempts(
  db: Db,
  opts: { readonly at: number; readonly self: string; readonly atStart: boolean },
): OrphanRow[] {
  const expired = and(ne(attempts.ownerNode, opts.self), lt(attempts.leaseUntil, opts.at));
  const conds: (SQL | undefined)[] = [expired];
  if (opts.atStart) conds.push(eq(attempts.ownerNode, opts.self), isNull(attempts.ownerNode));
  return db
    .select({ id: attempts.id, state: attempts.state, ownerNode: attempts.ownerNode, leaseUntil: attempts.leaseUntil })
    .from(attempts)
    .where(and(unfinished(), or(...conds)))
    .all();
}

/**
 * Takes an orphan over, if it is still exactly as `seen` (same state, owner and lease). Exactly one
 * node wins; the winner then ends it as interrupted.
 */
export function claimOrphan(db: Db, seen: OrphanRow, node: string, leaseUntil: number): boolean {
  const sameOwner = seen.ownerNode === null ? isNull(attempts.ownerNode) : eq(attempts.ownerNode, seen.ownerNode);
  const sameLease = seen.leaseUntil === null ? isNull(attempts.leaseUntil) : eq(attempts.leaseUntil, seen.leaseUntil);
  return (
    db
      .update(attempts)
      .set({ ownerNode: node, leaseUntil })
      .where(and(eq(attempts.id, seen.id), eq(attempts.state, seen.state), sameOwner, sameLease))
      .run().changes === 1
  );
}

/** This node's unfinished attempts (a stop ends them). */
export function ownedUnfinishedAttempts(db: Db, node: string): string[] {
  return db
    .select({ id: attempts.id })
    .from(attempts)
    .where(and(eq(attempts.ownerNode, node), unfinished()))
    .all()
    .map((r) => r.id);
}
