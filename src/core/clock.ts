/**
 * The clock seam: code that waits or reads the time takes a Clock, so unit
 * tests run it on simulated time (test/helpers/virtual-clock.ts) and wait no
 * real time.
 */
export interface Clock {
  /** epoch ms */
  now(): number;
  /** resolve after `ms` (at once for ms <= 0) */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
