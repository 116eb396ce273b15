import { PacingScheduler } from '../../src/telephony/embedded/media/scheduler';
import { FakeClock } from '../support/fake-clock';

class Recorder {
  readonly times: number[] = [];
  readonly skips: number[] = [];
  constructor(private readonly clock: FakeClock) {}
  tick(skipped: number): void {
    this.times.push(this.clock.now());
    this.skips.push(skipped);
  }
}

describe('pacing scheduler', () => {
  it('gives every stream one frame per 20 ms from a single timer, without drift under random lateness', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const clock = new FakeClock(() => rnd() * 0.9);
    const sched = new PacingScheduler({ clock, slots: 4 });
    const streams = Array.from({ length: 10 }, () => new Recorder(clock));
    for (const s of streams) sched.add(s);
    expect(clock.pending).toBe(1); // one timer for all streams
    clock.advance(60_000);
    for (const s of streams) {
      // 60 s at 50 frames/s, give or take the first partial frame.
      expect(s.times.length).toBeGreaterThanOrEqual(2999);
      expect(s.times.length).toBeLessThanOrEqual(3001);
      // No drift: frame n is never more than a slot + lateness away from start + n·20 ms.
      const start = s.times[0]!;
      s.times.forEach((t, n) => {
        expect(Math.abs(t - (start + n * 20))).toBeLessThan(2);
      });
      expect(s.skips.every((k) => k === 0)).toBe(true);
    }
  });

  it('spreads streams over the slots of a frame', () => {
    const clock = new FakeClock();
    const sched = new PacingScheduler({ clock, slots: 4 });
    const streams = Array.from({ length: 8 }, () => new Recorder(clock));
    for (const s of streams) sched.add(s);
    clock.advance(100);
    const phases = new Set(streams.map((s) => s.times[1]! % 20));
    expect(phases.size).toBe(4);
  });

  it('bursts at most maxCatchUp frames after a stall and reports the skipped ones', () => {
    const clock = new FakeClock();
    const sched = new PacingScheduler({ clock, slots: 1, maxCatchUp: 3 });
    const s = new Recorder(clock);
    sched.add(s);
    clock.advance(100);
    const before = s.times.length;
    clock.stall(200); // frames 6..15 fall due during the stall
    clock.advance(1);
    const burst = s.times.length - before;
    expect(burst).toBe(3);
    expect(s.skips.reduce((a, b) => a + b, 0)).toBe(7); // frames 6..12 skipped, 13..15 sent
    // Sent + skipped accounts for every frame of wall-clock time.
    clock.advance(1000);
    expect(s.times.length + s.skips.reduce((a, b) => a + b, 0)).toBe(Math.floor((clock.now() - 1000) / 20) + 1);
  });

  it('stops its timer when the last stream leaves and survives a stream that throws or removes itself', () => {
    const clock = new FakeClock();
    const sched = new PacingScheduler({ clock, slots: 1 });
    const good = new Recorder(clock);
    let selfRemoving = 0;
    const quitter = {
      tick: () => {
        selfRemoving++;
        sched.remove(quitter);
      },
    };
    sched.add({
      tick: () => {
        throw new Error('boom');
      },
    });
    sched.add(quitter);
    sched.add(good);
    clock.advance(200);
    expect(selfRemoving).toBe(1);
    expect(good.times.length).toBeGreaterThanOrEqual(10);
    sched.stop();
    expect(clock.pending).toBe(0);
    expect(sched.size).toBe(0);
  });
});
