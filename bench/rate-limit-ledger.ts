/**
 * Cost of the shared rate-limit ledger (issue 19) on the hot path: `npx tsx bench/rate-limit-ledger.ts
 * [--window-calls N] [--live M] [--samples K]`. Fills a fresh SQLite store with N calls inside the
 * global per-minute window (e.g. 12,000 = one minute at 200/s) and M calls in progress (held slots),
 * then times K more `acquire`s and K `release`s — each acquire is the one BEGIN IMMEDIATE
 * transaction every call passes before its INVITE. Prints one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Lease } from '../src/domain/policy/rate-limit-ledger';
import { openStore } from '../src/store';
import { StoreRateLimitLedger } from '../src/store/repo/rate-limit-ledger';

const { values } = parseArgs({
  options: {
    'window-calls': { type: 'string', default: '12000' },
    live: { type: 'string', default: '700' },
    samples: { type: 'string', default: '2000' },
  },
});
const windowCalls = Number(values['window-calls']);
const live = Number(values.live);
const samples = Number(values.samples);

const dir = mkdtempSync(join(tmpdir(), 'fyrkant-ledger-bench-'));
// As `fyrkant serve` opens it: WAL checkpoints on a worker, not inside a commit.
const store = openStore({ path: join(dir, 'fyrkant.db'), backgroundCheckpoints: {} });
const ledger = new StoreRateLimitLedger(store.db, {
  nodeId: 'bench-node',
  leaseMs: 30_000,
  limits: {
    perUser: { max: 3, windowSeconds: 300 },
    perNumber: { max: 3, windowSeconds: 300 },
    globalConcurrent: 1_000_000,
    globalPerMinute: 10_000_000,
  },
});

/** Calls spread over the last 50 s, so all of them are inside the 60-s window when timed. */
const start = Date.now() - 50_000;
const step = 50_000 / Math.max(1, windowCalls + samples);
let t = start;
const held: Lease[] = [];
function acquireOne(i: number, prefix: string): Lease {
  t += step;
  const got = ledger.acquire({ userId: `${prefix}${i}`, number: `+46812${prefix}${i}` }, t);
  if (!got.ok) throw new Error(`acquire ${prefix}${i} refused: ${got.reason}`);
  return got.lease;
}
for (let i = 0; i < windowCalls; i++) {
  const lease = acquireOne(i, 'w');
  if (i >= windowCalls - live) held.push(lease);
  else lease.release();
}

const acquireMs: number[] = [];
const timed: Lease[] = [];
for (let i = 0; i < samples; i++) {
  const t0 = performance.now();
  timed.push(acquireOne(i, 's'));
  acquireMs.push(performance.now() - t0);
  // Keep the number of calls in progress at `live`: the oldest ends as a new one starts.
  held.shift()?.release();
  held.push(timed[i]!);
}
const releaseMs: number[] = [];
for (const lease of held.splice(0)) {
  const t0 = performance.now();
  lease.release();
  releaseMs.push(performance.now() - t0);
}
store.close();
rmSync(dir, { recursive: true, force: true });

function stats(xs: number[]): { n: number; p50: number; p99: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(3));
  return {
    n: s.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: Number((s.reduce((a, b) => a + b, 0) / s.length).toFixed(3)),
  };
}
console.log(
  JSON.stringify(
    { params: { windowCalls, live, samples }, acquireMs: stats(acquireMs), releaseMs: stats(releaseMs) },
    null,
    2,
  ),
);
