/**
 * Simulated time for unit tests (src/core/clock.ts): `sleep` parks the caller;
 * whenever the process has nothing else to do (the microtasks drained, a
 * macrotask turn reached) the earliest sleeper wakes and the clock jumps to
 * its time. Everything that waits must wait on this clock: a real timer or
 * real I/O in between lets simulated time run ahead of it.
 */
import type { Clock } from '../../src/core/clock.js';

export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private sleepers: { at: number; seq: number; wake: () => void }[] = [];
  private scheduled = false;
  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.sleepers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, wake });
      this.schedule();
    });
  }
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.sleepers.shift();
      if (!next) return;
      this.t = Math.max(this.t, next.at);
      next.wake();
      if (this.sleepers.length > 0) this.schedule();
    });
  }
}
