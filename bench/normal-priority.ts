/**
 * Children that must not run real-time. Under `--rt` the driver runs SCHED_FIFO 45, and a child
 * inherits its parent's policy: the CLI writer (`users import`) would then run above sipp and take
 * CPU from the service it is supposed to compete with as an ordinary process. `chrt -o 0` drops the
 * child to SCHED_OTHER before it execs; `schedulingPolicy` reads back what a process really runs at.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/** `[command, args]` that run `cmd args` at normal priority (SCHED_OTHER 0), whatever ours is. */
export function atNormalPriority(cmd: string, args: readonly string[]): [string, string[]] {
  return ['chrt', ['-o', '0', cmd, ...args]];
}

/** The scheduling policy of `pid` as `chrt -p` reports it, e.g. `SCHED_OTHER` or `SCHED_FIFO`. */
export function schedulingPolicy(pid: number): string {
  const out = execFileSync('chrt', ['-p', String(pid)], { encoding: 'utf8' });
  const m = /scheduling policy:\s*(\S+)/.exec(out);
  if (!m) throw new Error(`chrt -p ${pid} printed no policy: ${out}`);
  return m[1]!;
}

/**
 * The policy of a child started with `atNormalPriority`, once `chrt` has exec'd `cmd` (before
 * that the pid is still `chrt`, which may not have dropped the policy yet). Gives up after `ms`.
 */
export async function policyAfterExec(pid: number, exe: string, ms = 5000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    let now = '';
    try {
      now = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      throw new Error(`process ${pid} is gone before its scheduling policy could be read`);
    }
    if (now === exe) return schedulingPolicy(pid);
    if (Date.now() > end) throw new Error(`process ${pid} did not exec ${exe} within ${ms} ms (still ${now})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
