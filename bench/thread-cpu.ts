/**
 * CPU time and wake-ups per thread of this process, from /proc/self/task (Linux). `process.cpuUsage`
 * sums every thread; this splits it so a benchmark can say whether the main thread (SIP) or the
 * media worker threads spend it, and how often each blocks and wakes (voluntary context switches:
 * every epoll wait, timer and `Atomics.wait` the pacer sleeps in).
 *
 * utime/stime are in clock ticks (USER_HZ, 100 on Linux); the figures are statistical at that
 * resolution, so windows shorter than a few seconds are rough.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface ThreadSample {
  readonly tid: number;
  readonly name: string;
  readonly userTicks: number;
  readonly systemTicks: number;
  readonly voluntarySwitches: number;
}

/** One sample of every thread; empty where /proc is not there. */
export function sampleThreads(): ThreadSample[] {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  const out: ThreadSample[] = [];
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The name is in parentheses and may hold spaces; the fields after it are fixed.
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const status = readFileSync(`/proc/self/task/${tid}/status`, 'utf8');
      const vol = /^voluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1];
      out.push({
        tid: Number(tid),
        name,
        // stat fields 14 and 15 (utime, stime); `fields` starts at field 3.
        userTicks: Number(fields[11]),
        systemTicks: Number(fields[12]),
        voluntarySwitches: Number(vol ?? 0),
      });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

export interface ThreadUsage {
  /** Share of one core over the window. */
  readonly cores: number;
  readonly userCores: number;
  readonly systemCores: number;
  /** Voluntary context switches per second (blocking waits that ended). */
  readonly wakesPerSecond: number;
}

/**
 * Usage between two samples: the main thread (tid = pid), each other thread that used at least
 * `minCores` (busiest first — in bench:calls these are the media workers; Node names every thread
 * `node`, so they cannot be told apart by name), and the rest summed.
 */
export function threadUsage(
  before: readonly ThreadSample[],
  after: readonly ThreadSample[],
  seconds: number,
  minCores = 0.01,
): { main: ThreadUsage; busiest: ThreadUsage[]; rest: ThreadUsage } | null {
  if (before.length === 0 || after.length === 0 || seconds <= 0) return null;
  const start = new Map(before.map((s) => [s.tid, s]));
  const usage = (list: { a: ThreadSample; b: ThreadSample }[]): ThreadUsage => {
    let u = 0;
    let s = 0;
    let w = 0;
    for (const { a, b } of list) {
      u += b.userTicks - a.userTicks;
      s += b.systemTicks - a.systemTicks;
      w += b.voluntarySwitches - a.voluntarySwitches;
    }
    const per = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 1000) / 1000;
    return { cores: per(u + s), userCores: per(u), systemCores: per(s), wakesPerSecond: Math.round(w / seconds) };
  };
  const pairs = after.flatMap((b) => {
    const a = start.get(b.tid);
    return a ? [{ a, b }] : [];
  });
  const others = pairs.filter((p) => p.b.tid !== process.pid).map((p) => ({ p, u: usage([p]) }));
  others.sort((x, y) => y.u.cores - x.u.cores);
  return {
    main: usage(pairs.filter((p) => p.b.tid === process.pid)),
    busiest: others.filter((o) => o.u.cores >= minCores).map((o) => o.u),
    rest: usage(others.filter((o) => o.u.cores < minCores).map((o) => o.p)),
  };
}
