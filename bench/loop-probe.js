/**
 * Preloaded into the measured `fyrkant serve` by `npm run bench:app` (`node -r bench/loop-probe.js`):
 * an event-loop delay histogram (1 ms resolution) and the process's own CPU and memory, written as
 * JSON to $BENCH_LOOP_FILE on SIGUSR2. The first signal marks the start of the measured window (the
 * histogram and the CPU baseline are reset), every later one writes the figures since then.
 * Plain CommonJS so it loads before the TypeScript hook. Not part of the product.
 */
const { writeFileSync } = require('node:fs');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const file = process.env.BENCH_LOOP_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let cpu0 = process.cpuUsage();
  let t0 = process.hrtime.bigint();
  let marks = 0;
  const ms = (ns) => Math.round(ns / 1e3) / 1e3;
  process.on('SIGUSR2', () => {
    if (marks++ === 0) {
      h.reset();
      cpu0 = process.cpuUsage();
      t0 = process.hrtime.bigint();
      writeFileSync(file, JSON.stringify({ mark: 'start' }));
      return;
    }
    const cpu = process.cpuUsage(cpu0);
    const mem = process.memoryUsage();
    const buckets = {};
    // Counts above thresholds a person can read: how often the loop was late by more than X ms.
    for (const [k, v] of h.percentiles) buckets[k] = ms(v);
    writeFileSync(
      file,
      JSON.stringify({
        mark: 'end',
        wallSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        rssMb: Math.round((mem.rss / 2 ** 20) * 10) / 10,
        heapUsedMb: Math.round((mem.heapUsed / 2 ** 20) * 10) / 10,
        loopDelayMs: {
          samples: h.count,
          min: ms(h.min),
          mean: ms(h.mean),
          p50: ms(h.percentile(50)),
          p90: ms(h.percentile(90)),
          p99: ms(h.percentile(99)),
          p999: ms(h.percentile(99.9)),
          max: ms(h.max),
        },
        loopDelayPercentiles: buckets,
      }),
    );
  });
}

// The benchmark may die without its `finally` (a fatal out-of-memory, SIGKILL): a service left behind
// at real-time priority would hog a core. Follow the benchmark's process and end with it.
const parent = Number(process.env.BENCH_PARENT_PID);
if (parent > 0)
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.kill(process.pid, 'SIGKILL');
    }
  }, 1000).unref();
