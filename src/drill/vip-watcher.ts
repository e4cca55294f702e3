/**
 * Poll the VIP holders while the load runs and record a `vip` event each time
 * they change. The first observation is recorded too, so the picture's band
 * starts at t0. Polling resolution bounds the measured VIP move time.
 */
import type { TimelineEvent } from './types.js';

export interface VipWatcher {
  stop(): Promise<void>;
}

export function watchVip(
  holders: () => Promise<string[]>,
  now: () => number,
  onEvent: (e: TimelineEvent) => void,
  intervalMs = 100,
): VipWatcher {
  let last: string[] | undefined;
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const started = Date.now();
      let h: string[];
      try {
        h = [...(await holders())].sort();
      } catch {
        h = last ?? [];
      }
      const t = now();
      if (running && (last === undefined || h.join(',') !== last.join(','))) {
        const label = h.length === 0 ? 'VIP: nobody' : h.length === 1 ? `VIP on ${h[0]}` : `VIP on ${h.join(' + ')} (split brain)`;
        onEvent({ t, kind: 'vip', label, holders: h, ...(last ? { from: last } : {}) });
        last = h;
      }
      const wait = intervalMs - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const done = loop();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}
