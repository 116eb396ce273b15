/**
 * Long-running live fuzzer for the SIP core: `npm run fuzz:sip -- [--seconds N] [--rate N] [--seed N]`.
 *
 * Starts the SIP core in a child process listening on 127.0.0.1 (ephemeral port), then sends mutated
 * copies of the RFC 4475 messages and typical call messages at it over UDP (and some over TCP). Every
 * second it checks the listener still answers a valid OPTIONS. Reports messages sent, answers seen,
 * and crashes (the child dying or logging an uncaught exception) — which must be 0. Exit code 1 on a crash.
 * `--seconds 0` runs until interrupted.
 */
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import fc from 'fast-check';
import { createSipSignalling } from '../src/telephony/embedded/sip';
import { corpus } from '../test/sip/corpus';
import { applyMutations, type Mutation, mutationArb } from '../test/sip/support/mutate';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function listener(): Promise<void> {
  let uncaught = 0;
  process.on('uncaughtException', (err) => {
    uncaught++;
    process.send?.({ type: 'uncaught', message: String(err?.stack ?? err), uncaught });
  });
  process.on('unhandledRejection', (err) => {
    uncaught++;
    process.send?.({ type: 'uncaught', message: String(err), uncaught });
  });
  const ua = createSipSignalling({
    listen: { host: '127.0.0.1', port: 0 },
    transport: 'udp',
    trunk: { uri: 'sip:127.0.0.1:9', fromUser: 'fuzz' },
    // The fuzzer is one source sending thousands of messages a second: lift the per-source limit.
    rateLimit: { perSecond: 1e9, burst: 1e9 },
    timers: { t1: 50, t2: 400, t4: 500, timerD: 500 },
  });
  await ua.start();
  process.send?.({ type: 'ready', port: ua.port });
  setInterval(() => process.send?.({ type: 'stats', stats: ua.stats(), rss: process.memoryUsage().rss }), 1000);
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 60);
  const rate = arg('rate', 2000);
  const seed = arg('seed', Date.now() % 2 ** 31);
  const child = fork(__filename, ['--listener'], { stdio: 'inherit', execArgv: process.execArgv });
  let crashes = 0;
  let lastStats: Record<string, number> = {};
  let rss = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.on(
      'message',
      (m: { type: string; port?: number; message?: string; stats?: Record<string, number>; rss?: number }) => {
        if (m.type === 'ready' && m.port) resolve(m.port);
        if (m.type === 'uncaught') {
          crashes++;
          process.stderr.write(`CRASH (uncaught in listener): ${m.message}\n`);
        }
        if (m.type === 'stats' && m.stats) {
          lastStats = m.stats;
          rss = m.rss ?? 0;
        }
      },
    );
    child.once('exit', (code) => reject(new Error(`listener exited early (${code})`)));
  });
  let dead = false;
  child.once('exit', (code, signal) => {
    dead = true;
    crashes++;
    process.stderr.write(`CRASH: listener exited (code ${code}, signal ${signal})\n`);
  });

  const seeds = corpus();
  const sock = createSocket('udp4');
  let answers = 0;
  let probeOk = 0;
  let probeMissed = 0;
  let awaitingProbe: string | undefined;
  sock.on('message', (m) => {
    answers++;
    if (awaitingProbe && m.toString('latin1').includes(awaitingProbe)) awaitingProbe = undefined;
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const sample = fc.sample(
    fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutationArb(), { minLength: 1, maxLength: 4 })),
    { numRuns: 5000, seed },
  ) as Array<[number, Mutation[]]>;

  let sent = 0;
  let tcpSent = 0;
  const started = Date.now();
  const deadline = seconds > 0 ? started + seconds * 1000 : Number.POSITIVE_INFINITY;
  let probeSeq = 0;
  let i = 0;
  const perTick = Math.max(1, Math.round(rate / 100));
  const interrupted = new Promise<void>((r) => process.once('SIGINT', () => r()));
  let stop = false;
  void interrupted.then(() => {
    stop = true;
  });

  while (!stop && !dead && Date.now() < deadline) {
    for (let k = 0; k < perTick; k++) {
      const [idx, muts] = sample[i++ % sample.length]!;
      // Vary the sample after each full pass.
      const extra: Mutation[] = i > sample.length ? [{ kind: 'flip', at: i * 7919, byte: i & 255 }] : [];
      const data = applyMutations(seeds[idx]!, [...muts, ...extra], seeds);
      if (data.length > 0 && data.length < 65000) {
        sock.send(data, port, '127.0.0.1');
        sent++;
      }
    }
    if (i % 500 < perTick) {
      // A slice over TCP too (framing path).
      const [idx, muts] = sample[(i * 31) % sample.length]!;
      const data = applyMutations(seeds[idx]!, muts, seeds);
      const c = connect({ port, host: '127.0.0.1' }, () => c.end(data));
      c.on('error', () => {});
      tcpSent++;
    }
    if (Date.now() - started > probeSeq * 1000) {
      if (awaitingProbe) probeMissed++;
      else if (probeSeq > 0) probeOk++;
      probeSeq++;
      awaitingProbe = `fuzz-probe-${probeSeq}`;
      const probe = `OPTIONS sip:fuzz@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${(sock.address() as { port: number }).port};branch=z9hG4bKprobe${probeSeq};rport\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:fuzz@127.0.0.1>\r\nCall-ID: ${awaitingProbe}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
      sock.send(Buffer.from(probe), port, '127.0.0.1');
      process.stdout.write(
        `t=${Math.round((Date.now() - started) / 1000)}s sent=${sent} tcp=${tcpSent} answers=${answers} liveness ok=${probeOk} missed=${probeMissed} crashes=${crashes} listener=${JSON.stringify({ received: lastStats.received, rejected: lastStats.rejected, dropped: lastStats.dropped, rssMB: Math.round(rss / 1e6) })}\n`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 500));
  if (awaitingProbe && !dead) probeMissed++;
  process.stdout.write(
    `fuzz:sip done (seed ${seed}): sent ${sent} UDP + ${tcpSent} TCP messages, ${answers} answers, liveness ok=${probeOk} missed=${probeMissed}, crashes=${crashes}\n`,
  );
  sock.close();
  if (!dead) child.kill('SIGTERM');
  process.exit(crashes > 0 ? 1 : 0);
}

if (process.argv.includes('--listener')) void listener();
else
  void main().catch((err: unknown) => {
    process.stderr.write(`fuzz:sip failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
