/**
 * How a node row reads to a person (CLI `fyrkant node list`, the admin dashboard): its stored state,
 * except that a node that stopped beating for longer than a lease is shown as lost (it crashed or
 * lost the database; its calls are being ended by a survivor or its next start).
 */
import { hostname } from 'node:os';
import type { NodeRow } from '../../store/schema';

export type NodeStatus = 'running' | 'draining' | 'stopped' | 'lost';

export function nodeStatus(row: NodeRow, now: number, leaseMs: number): NodeStatus {
  if (row.state === 'stopped') return 'stopped';
  return row.heartbeatAt < now - leaseMs ? 'lost' : row.state;
}

export const NODE_STATUS_TEXT: Readonly<Record<NodeStatus, { readonly sv: string; readonly en: string }>> = {
  running: { sv: 'tar emot samtal', en: 'taking calls' },
  draining: { sv: 'dränerar (inga nya samtal)', en: 'draining (no new calls)' },
  stopped: { sv: 'stoppad', en: 'stopped' },
  lost: { sv: 'svarar inte (inget hjärtslag)', en: 'lost (no heartbeat)' },
};

/** This machine's node id for a config: `node.id`, else hostname:SIP port. */
export function defaultNodeId(node: { readonly id: string | null }, sipPort: number): string {
  return node.id ?? `${hostname()}:${sipPort}`;
}
