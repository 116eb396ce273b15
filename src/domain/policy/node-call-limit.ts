/**
 * How many calls one node runs at once: the site's `globalConcurrent`, or the node's own
 * `perNodeConcurrent` when that is set (> 0) and smaller. The node's call queue runs this many and
 * keeps the rest waiting for a free line, so a request over the node's own limit waits like one over
 * the site's limit on a single node, instead of being refused `rate-limit-node-concurrent`.
 */
import type { RateLimits } from './rate-limit-ledger';

export function nodeCallLimit(limits: Pick<RateLimits, 'globalConcurrent' | 'perNodeConcurrent'>): number {
  const perNode = limits.perNodeConcurrent ?? 0;
  return perNode > 0 ? Math.min(limits.globalConcurrent, perNode) : limits.globalConcurrent;
}
