/**
 * bench:app's CLI writer must run at normal priority even when the driver runs SCHED_FIFO (`--rt`).
 * The driver's situation is rebuilt with a parent at SCHED_FIFO 1 (`chrt -f 1`, root): a child
 * started plainly inherits SCHED_FIFO (the control: the check can fail), one started through
 * `atNormalPriority` runs SCHED_OTHER — read back with `chrt -p`, as the benchmark does. The
 * children only sleep: nothing real-time burns CPU.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { atNormalPriority, policyAfterExec } from '../../bench/normal-priority';
import { requireTool } from '../support/tools';

describe('bench writer at normal priority', () => {
  const started: ChildProcess[] = [];
  afterEach(() => {
    for (const c of started.splice(0)) c.kill('SIGKILL');
  });

  /** `cmd args` from a real-time parent (what the driver is under --rt); the policy the command runs at. */
  async function policyUnderFifo(cmd: string, args: string[]): Promise<string> {
    const chrt = requireTool('chrt', 'util-linux');
    const sleep = realpathSync(requireTool('sleep', 'coreutils'));
    const child = spawn(chrt, ['-f', '1', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    started.push(child);
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    try {
      return await policyAfterExec(child.pid ?? 0, sleep);
    } catch (e) {
      throw new Error(`${e instanceof Error ? e.message : String(e)}; chrt -f 1 needs root: ${err}`);
    }
  }

  it('control: a child of a SCHED_FIFO parent inherits SCHED_FIFO', async () => {
    expect(await policyUnderFifo(requireTool('sleep', 'coreutils'), ['30'])).toBe('SCHED_FIFO');
  });

  it('a child started through atNormalPriority runs SCHED_OTHER', async () => {
    const [cmd, args] = atNormalPriority(requireTool('sleep', 'coreutils'), ['30']);
    expect(await policyUnderFifo(cmd, args)).toBe('SCHED_OTHER');
  });
});
