/**
 * Watch the VIP holders while the load runs and record a `vip` event each time
 * they change. The first observation is recorded too, so the picture's band
 * starts at t0. The holders are polled every `intervalMs`; a lab that can tell
 * when addresses change (`subscribe`) wakes the poller at once, so a VIP move
 * is timed to a few ms instead of the polling interval. A change found by a
 * check that a wake started is stamped with the wake's time: the address had
 * changed by then, and reading the holders (a command per director, slow on
 * a starved box) is the watcher's delay, not the cluster's. The poll's
 * default: 100 ms, or 500 ms with `subscribe`, where it only catches what no
 * address event shows (a powered-off holder) and each poll's command per
 * director takes CPU from the box the load runs on.
 */
import { systemClock, type Clock } from '../core/clock.js';
import type { TimelineEvent } from './types.js';

export interface VipWatcher {
  stop(): Promise<void>;
}

/** register a callback for "addresses may have changed"; returns the unsubscribe */
export type VipSubscribe = (wake: () => void) => () => void;

export function watchVip(
  holders: () => Promise<string[]>,
  now: () => number,
  onEvent: (e: TimelineEvent) => void,
  intervalMs: number | undefined,
  subscribe?: VipSubscribe,
  clock: Clock = systemClock,
): VipWatcher {
  const every = intervalMs ?? (subscribe ? 500 : 100);
  let last: string[] | undefined;
  let running = true;
  let wakeSleep: (() => void) | undefined;
  let pending = false;
  /** when the first wake since the last check began came */
  let wokeAt: number | undefined;
  const wake = (): void => {
    wokeAt ??= now();
    pending = true;
    wakeSleep?.();
  };
  const unsubscribe = subscribe?.(wake);
  const check = async (): Promise<void> => {
    const woke = wokeAt;
    wokeAt = undefined;
    let h: string[];
    try {
      h = [...(await holders())].sort();
    } catch {
      h = last ?? [];
    }
    const t = woke ?? now();
    if (running && (last === undefined || h.join(',') !== last.join(','))) {
      const label = h.length === 0 ? 'VIP: nobody' : h.length === 1 ? `VIP on ${h[0]}` : `VIP on ${h.join(' + ')} (split brain)`;
      onEvent({ t, kind: 'vip', label, holders: h, ...(last ? { from: last } : {}) });
      last = h;
    }
  };
  const loop = async (): Promise<void> => {
    while (running) {
      const started = clock.now();
      pending = false;
      await check();
      const wait = every - (clock.now() - started);
      if (running && !pending && wait > 0) {
        // a wake ends the sleep early; the clock's own timer then resolves into nothing
        await new Promise<void>((resolve) => {
          wakeSleep = resolve;
          void clock.sleep(wait).then(resolve);
        });
        wakeSleep = undefined;
      }
    }
  };
  const done = loop();
  return {
    stop: async () => {
      running = false;
      unsubscribe?.();
      wakeSleep?.();
      await done;
    },
  };
}
