/**
 * The SIP fuzz load of `npm run bench:app -- --fuzz`: mutated copies of the RFC 4475 corpus and
 * typical call messages (the same generator as `npm run fuzz:sip`), sent over UDP to the measured
 * service's SIP port at a fixed rate, in its own process so it does not disturb the benchmark's
 * clock. Prints one JSON line with what it sent when it gets SIGTERM or its time is up.
 *
 * argv: <port> <datagrams per second> <seconds>
 */
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { corpus } from '../test/sip/corpus';
import { applyMutations, type Mutation, mutationArb } from '../test/sip/support/mutate';

const [port, rate, seconds] = process.argv.slice(2).map(Number) as [number, number, number];
const seeds = corpus();
const sample = fc.sample(
  fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutationArb(), { minLength: 1, maxLength: 4 })),
  { numRuns: 4000, seed: 20 },
) as Array<[number, Mutation[]]>;
// Built up front: the fuzzer must hold its rate, not spend its time mutating.
const datagrams = sample
  .map(([idx, muts]) => applyMutations(seeds[idx]!, muts, seeds))
  .filter((d) => d.length > 0 && d.length < 65000);
const sock = createSocket('udp4');
sock.on('message', () => {
  answers++;
});
sock.on('error', () => {
  errors++;
});
let sent = 0;
let answers = 0;
let errors = 0;
const t0 = performance.now();
const deadline = t0 + seconds * 1000;

function report(): never {
  const wall = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ sent, answers, errors, wallSeconds: wall, rate: sent / wall })}\n`);
  process.exit(0);
}
process.once('SIGTERM', report);

sock.bind(0, '127.0.0.1', () => {
  // Every 10 ms send what is due by then: the rate holds even when a tick is late.
  const tick = () => {
    const now = performance.now();
    if (now >= deadline) report();
    const due = Math.floor(((now - t0) / 1000) * rate);
    while (sent < due) {
      sock.send(datagrams[sent % datagrams.length]!, port, '127.0.0.1');
      sent++;
    }
    setTimeout(tick, 10);
  };
  tick();
});
