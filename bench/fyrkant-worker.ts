/**
 * The measured process of the call benchmark: fyrkant's embedded backend (SIP core + media) placing
 * N calls, streaming a prompt on each until the callee sends '#', then hanging up. Prints one JSON
 * line with what it measured about itself (CPU, RSS, setup times, DTMF).
 *
 * Input: JSON in argv[2] (see WorkerInput).
 */
import { performance } from 'node:perf_hooks';
import { createEmbeddedBackend } from '../src/telephony/embedded/backend';
import { promptFromFile } from '../src/telephony/embedded/media/prompts';
import { createSipSignalling } from '../src/telephony/embedded/sip';
import { type Call, DialFailure } from '../src/telephony/port';
import { sampleThreads, type ThreadSample, threadUsage } from './thread-cpu';

export interface WorkerInput {
  readonly calls: number;
  readonly seconds: number;
  /** New calls per second during the ramp. */
  readonly rate: number;
  readonly targets: readonly string[];
  readonly prompt: string;
  readonly rtpPortMin: number;
  readonly rtpPortMax: number;
  /** Media worker threads (0: media in the main thread). */
  readonly mediaWorkers: number;
}

interface CallRecord {
  startedAt: number;
  answeredAt?: number;
  digitAt?: number;
  endedAt?: number;
  failure?: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as WorkerInput;
  const signalling = createSipSignalling({
    listen: { host: '127.0.0.1', port: 0 },
    transport: 'udp',
    trunk: { uri: input.targets[0]!, fromUser: 'bench' },
  });
  const backend = createEmbeddedBackend({
    signalling,
    media: {
      address: '127.0.0.1',
      rtpPortMin: input.rtpPortMin,
      rtpPortMax: input.rtpPortMax,
      workers: input.mediaWorkers ?? 0,
    },
  });
  await backend.start();
  const prompt = await promptFromFile(input.prompt, 'bench-prompt');
  if (global.gc) global.gc();
  const rssBaseline = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const records: CallRecord[] = [];
  let rssPeak = rssBaseline;
  let active = 0;
  let peakActive = 0;
  const memTimer = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > rssPeak) rssPeak = rss;
  }, 1000);

  // The steady window: from the moment every call is up until the first one is due to get '#'.
  let steady: { cpuStart: NodeJS.CpuUsage; tStart: number; activeAtStart: number; threads: ThreadSample[] } | undefined;
  let steadyResult:
    | { cpuSeconds: number; wallSeconds: number; calls: number; threads: ReturnType<typeof threadUsage> }
    | undefined;
  const maybeStartSteady = () => {
    if (steady || records.length < input.calls) return;
    if (records.some((r) => r.answeredAt === undefined && !r.failure)) return;
    steady = {
      cpuStart: process.cpuUsage(),
      tStart: performance.now(),
      activeAtStart: active,
      threads: sampleThreads(),
    };
    const firstDigitDue = records[0]!.startedAt + input.seconds * 1000;
    const windowMs = firstDigitDue - performance.now() - 1000;
    if (windowMs > 2000) {
      setTimeout(() => {
        const c = process.cpuUsage(steady!.cpuStart);
        const wallSeconds = (performance.now() - steady!.tStart) / 1000;
        steadyResult = {
          cpuSeconds: (c.user + c.system) / 1e6,
          wallSeconds,
          calls: Math.min(active, steady!.activeAtStart),
          threads: threadUsage(steady!.threads, sampleThreads(), wallSeconds),
        };
      }, windowMs).unref();
    }
  };

  const one = async (i: number): Promise<void> => {
    const rec: CallRecord = { startedAt: performance.now() };
    records.push(rec);
    let call: Call;
    try {
      call = await backend.dial({
        attemptId: `bench-${i}`,
        requestUri: input.targets[i % input.targets.length]!.replace('sip:', `sip:bench${i}@`),
        policyDecisionId: 'bench',
        ringTimeoutMs: 30_000,
        trace: () => {},
      });
    } catch (err) {
      rec.failure = err instanceof DialFailure ? `${err.reason} ${err.sipStatus ?? ''}` : String(err);
      maybeStartSteady();
      return;
    }
    rec.answeredAt = performance.now();
    active++;
    if (active > peakActive) peakActive = active;
    maybeStartSteady();
    const gotPound = new Promise<boolean>((resolve) => {
      call.on('dtmf', (e) => {
        if (e.digit === '#') resolve(true);
      });
      call.once('end', () => resolve(false));
      setTimeout(() => resolve(false), (input.seconds + 20) * 1000).unref();
    });
    void call.play(prompt, { bargeIn: true });
    if (await gotPound) rec.digitAt = performance.now();
    await call.hangup();
    active--;
    rec.endedAt = performance.now();
  };

  const all: Promise<void>[] = [];
  for (let i = 0; i < input.calls; i++) {
    const due = t0 + (i * 1000) / input.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    all.push(one(i));
  }
  // A call stuck in signalling (e.g. a far end that aborted mid-setup) must not hang the benchmark:
  // report what is still open instead.
  const deadline = new Promise<void>((r) => setTimeout(r, (input.seconds + 120) * 1000).unref());
  await Promise.race([Promise.all(all), deadline]);
  clearInterval(memTimer);
  const cpuAll = process.cpuUsage(cpu0);
  const wallAll = (performance.now() - t0) / 1000;
  const answered = records.filter((r) => r.answeredAt !== undefined);
  const callMinutes = answered.reduce((s, r) => s + ((r.endedAt ?? r.answeredAt!) - r.answeredAt!) / 60000, 0);
  const setups = answered.map((r) => r.answeredAt! - r.startedAt).sort((a, b) => a - b);
  const q = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : 0);
  const failures = new Map<string, number>();
  for (const r of records) if (r.failure) failures.set(r.failure, (failures.get(r.failure) ?? 0) + 1);
  const result = {
    callsPlaced: records.length,
    callsAnswered: answered.length,
    callsCompleted: records.filter((r) => r.digitAt !== undefined).length,
    dtmfMissed: answered.filter((r) => r.digitAt === undefined).length,
    stillOpenAtDeadline: records.filter((r) => r.endedAt === undefined && !r.failure).length,
    failures: Object.fromEntries(failures),
    peakConcurrentCalls: peakActive,
    setupMs: { p50: round(q(setups, 0.5)), p95: round(q(setups, 0.95)), max: round(setups[setups.length - 1] ?? 0) },
    cpu: {
      wholeRunSeconds: round((cpuAll.user + cpuAll.system) / 1e6),
      wholeRunCallMinutes: round(callMinutes),
      perCallMinuteWholeRun: round((cpuAll.user + cpuAll.system) / 1e6 / Math.max(callMinutes, 1e-9)),
      steady: steadyResult
        ? {
            calls: steadyResult.calls,
            wallSeconds: round(steadyResult.wallSeconds),
            cpuSeconds: round(steadyResult.cpuSeconds),
            perCallMinute: round(steadyResult.cpuSeconds / ((steadyResult.calls * steadyResult.wallSeconds) / 60)),
            coreShare: round(steadyResult.cpuSeconds / steadyResult.wallSeconds),
            // Split by thread (/proc, 10 ms ticks): main = SIP; the busiest others are the media workers.
            threads: steadyResult.threads,
          }
        : null,
    },
    rss: {
      baselineMb: round(rssBaseline / 2 ** 20),
      peakMb: round(rssPeak / 2 ** 20),
      perCallKb: round((rssPeak - rssBaseline) / 1024 / Math.max(1, peakActive)),
    },
    wallSeconds: round(wallAll),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await Promise.race([backend.stop(), new Promise((r) => setTimeout(r, 5000).unref())]);
  process.exit(0);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
