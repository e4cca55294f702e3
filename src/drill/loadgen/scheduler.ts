/**
 * Open-loop scheduler: request i is due at i × 1000 / rate ms after t0 whatever
 * happened to the requests before it. A slow answer never delays a later start
 * (a closed loop would hide exactly the stalls a drill looks for).
 */

export interface Clock {
  /** monotonic ms */
  now(): number;
  /** resolve after about `ms`; may resolve early on stop() */
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface ScheduleOptions {
  rate: number;
  durationMs: number;
  count?: number;
}

/** Number of requests a schedule makes: bounded by count and by time. */
export function plannedCount(opts: ScheduleOptions): number {
  const byTime = Math.ceil((opts.durationMs * opts.rate) / 1000);
  return opts.count === undefined ? byTime : Math.min(opts.count, byTime);
}

export interface Schedule {
  /** resolves once every request was started and every started request ended */
  done: Promise<void>;
  /** stop starting new requests; the ones in flight still end (each is bounded by its timeout) */
  stop(): void;
  /** requests started so far */
  started(): number;
  /** the clock's now() at the start of the schedule */
  t0: number;
}

/**
 * Runs `issue(seq, scheduledAt)` on time. `issue` is not awaited before the next
 * start; its promise is only collected to know when everything has ended.
 * `scheduledAt` is relative to the schedule's t0 (the clock's now() at call time).
 */
export function runSchedule(
  opts: ScheduleOptions,
  issue: (seq: number, scheduledAt: number, t0: number) => Promise<void>,
  clock: Clock = realClock,
): Schedule {
  if (!(opts.rate > 0)) throw new RangeError(`rate must be > 0, got ${opts.rate}`);
  const total = plannedCount(opts);
  const interval = 1000 / opts.rate;
  const t0 = clock.now();
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  let stopped = false;

  const loop = async (): Promise<void> => {
    while (!stopped && next < total) {
      const due = next * interval;
      const wait = due - (clock.now() - t0);
      if (wait > 0) {
        await clock.sleep(wait);
        continue;
      }
      // start everything that is due now, even when late: open loop
      const seq = next++;
      const p = issue(seq, due, t0).catch(() => undefined);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };

  return {
    done: loop(),
    stop: () => {
      stopped = true;
    },
    started: () => next,
    t0,
  };
}
