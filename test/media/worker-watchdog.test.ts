/**
 * The hung-worker watchdog's rule, on a fake clock: a heartbeat that stops for `hangMs` is reported
 * (once), one that moves is not, a worker still starting (heartbeat 0) is not, and a late check of
 * the host's own (a stalled main thread, a stopped process) restarts the grace period instead of
 * counting the gap against the workers.
 */
import { HangWatchdog, newHeartbeat } from '../../src/telephony/embedded/media/worker/watchdog';
import { FakeClock } from '../support/fake-clock';

const HANG_MS = 2000; // checks every 500 ms

function setup() {
  const clock = new FakeClock();
  const hung: string[] = [];
  const dog = new HangWatchdog<string>({ hangMs: HANG_MS, clock, onHang: (k) => hung.push(k) });
  return { clock, hung, dog };
}

/** Advance in 100 ms steps, beating `beat` at each step when `beating`. */
function run(clock: FakeClock, ms: number, beat?: Int32Array): void {
  for (let t = 0; t < ms; t += 100) {
    if (beat) Atomics.add(beat, 0, 1);
    clock.advance(100);
  }
}

describe('HangWatchdog', () => {
  it('reports a heartbeat that stopped for hangMs, not before, and only once', () => {
    const { clock, hung, dog } = setup();
    const beat = newHeartbeat();
    dog.watch('w0', beat);
    run(clock, 3000, beat);
    expect(hung).toEqual([]);
    // Last change seen at the check at +3000; it must stay still for 2000 ms from there.
    run(clock, 1900);
    expect(hung).toEqual([]);
    run(clock, 500);
    expect(hung).toEqual(['w0']);
    run(clock, 10_000);
    expect(hung).toEqual(['w0']);
    dog.stop();
  });

  it('the rule is exact: hung at hangMs after the last change seen, not a millisecond before', () => {
    const { clock, hung, dog } = setup();
    const beat = newHeartbeat();
    dog.watch('w0', beat);
    // Checks run every 500 ms from t=1000. The last beat lands just before the check at t=2000.
    clock.advance(999);
    Atomics.add(beat, 0, 1);
    clock.advance(1); // t=2000: the check sees the change; the worker never beats again
    clock.advance(1999); // checks at 2500, 3000, 3500: still for 500–1500 ms
    dog.check(); // t=3999: still for 1999 ms
    expect(hung).toEqual([]);
    clock.advance(1); // t=4000: the timer's check, still for exactly 2000 ms
    expect(hung).toEqual(['w0']);
    dog.stop();
  });

  it('leaves a worker alone that beats, however long it runs, and tells workers apart', () => {
    const { clock, hung, dog } = setup();
    const a = newHeartbeat();
    const b = newHeartbeat();
    dog.watch('a', a);
    dog.watch('b', b);
    Atomics.add(b, 0, 1);
    for (let i = 0; i < 600; i++) run(clock, 100, a); // 60 s
    expect(hung).toEqual(['b']);
    dog.stop();
  });

  it('does not count a worker still starting up (heartbeat 0) as hung', () => {
    const { clock, hung, dog } = setup();
    const beat = newHeartbeat();
    dog.watch('w0', beat);
    run(clock, 30_000);
    expect(hung).toEqual([]);
    Atomics.add(beat, 0, 1);
    run(clock, 3000);
    expect(hung).toEqual(['w0']);
    dog.stop();
  });

  it('a late check of its own (the host stalled) restarts the grace period', () => {
    const { clock, hung, dog } = setup();
    const beat = newHeartbeat();
    dog.watch('w0', beat);
    run(clock, 1000, beat);
    // The whole process stood still for 5 s: no timer ran, the worker did not beat either.
    clock.stall(5000);
    run(clock, 1500);
    expect(hung).toEqual([]);
    run(clock, 1000);
    expect(hung).toEqual(['w0']);
    dog.stop();
  });

  it('forgets a worker that is gone, and stops its timer', () => {
    const { clock, hung, dog } = setup();
    const beat = newHeartbeat();
    dog.watch('w0', beat);
    Atomics.add(beat, 0, 1);
    dog.forget('w0');
    run(clock, 5000);
    expect(hung).toEqual([]);
    dog.stop();
    expect(clock.pending).toBe(0);
  });
});
