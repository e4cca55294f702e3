import { describe, expect, it } from 'vitest';
import { plannedCount, runSchedule, type Clock } from '../../src/drill/loadgen/scheduler.js';

/** a clock that only moves when the test says so */
class VirtualClock implements Clock {
  t = 0;
  private waiters: { at: number; resolve: () => void }[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ at: this.t + Math.max(0, ms), resolve }));
  }
  /** move time forward to `to`, waking sleepers in order and letting their work run */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      await flush();
      this.waiters.sort((a, b) => a.at - b.at);
      const w = this.waiters[0];
      if (!w || w.at > to) break;
      this.waiters.shift();
      this.t = Math.max(this.t, w.at);
      w.resolve();
    }
    this.t = to;
    await flush();
  }
}
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('open-loop scheduler', () => {
  it('starts every request on time even while the first one hangs', async () => {
    const clock = new VirtualClock();
    const starts: number[] = [];
    let release: () => void = () => undefined;
    const s = runSchedule(
      { rate: 10, durationMs: 1000 },
      (seq) => {
        starts.push(clock.now());
        return seq === 0 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
      clock,
    );
    let finished = false;
    void s.done.then(() => (finished = true));
    await clock.advanceTo(950);
    expect(starts).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    await clock.advanceTo(5000);
    expect(finished).toBe(false); // the hung request still counts
    release();
    await flush();
    expect(finished).toBe(true);
  });

  it('passes the planned time, and catches up at once after a stall (no skipped requests)', async () => {
    const clock = new VirtualClock();
    const seen: [number, number, number][] = [];
    const s = runSchedule(
      { rate: 100, durationMs: 100 },
      async (seq, scheduledAt) => {
        seen.push([seq, scheduledAt, clock.now()]);
      },
      clock,
    );
    // the event loop was blocked for 55 ms: the clock jumps without waking anyone
    clock.t = 55;
    await clock.advanceTo(200);
    await s.done;
    expect(seen.map(([seq]) => seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen.map(([, at]) => at)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    // requests 1..5 were due during the stall and all start at 55
    expect(seen.slice(1, 6).every(([, , t]) => t === 55)).toBe(true);
    expect(seen[6]?.[2]).toBe(60);
  });

  it.each([
    { rate: 200, durationMs: 1000, count: undefined, want: 200 },
    { rate: 200, durationMs: 1000, count: 50, want: 50 },
    { rate: 3, durationMs: 1000, count: undefined, want: 3 },
    { rate: 100, durationMs: 15, count: 1000, want: 2 },
  ])('plans $want requests for rate $rate over $durationMs ms (count $count)', ({ want, ...opts }) => {
    expect(plannedCount(opts)).toBe(want);
  });

  it('stops starting requests on stop()', async () => {
    const clock = new VirtualClock();
    let n = 0;
    const s = runSchedule({ rate: 10, durationMs: 10_000 }, async () => void n++, clock);
    await clock.advanceTo(250);
    s.stop();
    await clock.advanceTo(2000);
    await s.done;
    expect(n).toBe(3);
    expect(s.started()).toBe(3);
  });

  it('rejects a rate of 0', () => {
    expect(() => runSchedule({ rate: 0, durationMs: 1000 }, async () => undefined)).toThrow(RangeError);
  });
});
