/**
 * bench:calls splits its steady-window CPU by thread (`bench/thread-cpu.ts`). The split itself is
 * checked on fixed samples (which thread is main, which are busy, the rest summed, ticks → cores);
 * the sampler on this process: it sees the main thread and a worker thread it starts, and a thread's
 * counters only grow.
 */
import { Worker } from 'node:worker_threads';
import { sampleThreads, type ThreadSample, threadUsage } from '../../bench/thread-cpu';

const t = (tid: number, userTicks: number, systemTicks: number, voluntarySwitches = 0): ThreadSample => ({
  tid,
  name: 'node',
  userTicks,
  systemTicks,
  voluntarySwitches,
});

describe('bench thread CPU split', () => {
  it('separates the main thread, the busy threads (busiest first) and the rest', () => {
    const before = [t(process.pid, 100, 50, 10), t(1, 0, 0, 0), t(2, 0, 0, 0), t(3, 0, 0, 0)];
    // Over 2 s: main 0.1 core; thread 2 0.8 core (0.5 user + 0.3 system); thread 1 0.4; thread 3 idle.
    const after = [t(process.pid, 115, 55, 30), t(1, 60, 20, 1000), t(2, 100, 60, 2000), t(3, 0, 0, 4)];
    const u = threadUsage(before, after, 2);
    expect(u).not.toBeNull();
    expect(u!.main).toEqual({ cores: 0.1, userCores: 0.075, systemCores: 0.025, wakesPerSecond: 10 });
    expect(u!.busiest).toEqual([
      { cores: 0.8, userCores: 0.5, systemCores: 0.3, wakesPerSecond: 1000 },
      { cores: 0.4, userCores: 0.3, systemCores: 0.1, wakesPerSecond: 500 },
    ]);
    expect(u!.rest).toEqual({ cores: 0, userCores: 0, systemCores: 0, wakesPerSecond: 2 });
  });

  it('ignores threads that started or ended between the samples, and says nothing without samples', () => {
    const u = threadUsage([t(process.pid, 0, 0), t(7, 0, 0)], [t(process.pid, 10, 0), t(8, 500, 0)], 1);
    expect(u!.busiest).toEqual([]);
    expect(u!.main.cores).toBe(0.1);
    expect(threadUsage([], [t(process.pid, 1, 1)], 1)).toBeNull();
  });

  it('samples this process: the main thread, a new worker thread, counters that only grow', async () => {
    const before = sampleThreads();
    expect(before.some((s) => s.tid === process.pid)).toBe(true);
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    try {
      await new Promise<void>((resolve) => worker.once('online', () => resolve()));
      const after = sampleThreads();
      const known = new Set(before.map((s) => s.tid));
      expect(after.filter((s) => !known.has(s.tid)).length).toBeGreaterThanOrEqual(1);
      const main0 = before.find((s) => s.tid === process.pid)!;
      const main1 = after.find((s) => s.tid === process.pid)!;
      expect(main1.userTicks + main1.systemTicks).toBeGreaterThanOrEqual(main0.userTicks + main0.systemTicks);
      expect(main1.voluntarySwitches).toBeGreaterThanOrEqual(main0.voluntarySwitches);
    } finally {
      await worker.terminate();
    }
  });
});
