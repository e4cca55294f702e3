/** Drive the HTTP client with the open-loop schedule and hand each record out. */
import type { LoadOptions, RequestRecord } from '../types.js';
import { createClient } from './client.js';
import { createRoundRobinClient } from './round-robin.js';
import { plannedCount, runSchedule, type Clock, realClock } from './scheduler.js';

export interface RunningLoad {
  /** epoch ms of t0 */
  t0Epoch: number;
  planned: number;
  /** stop early; the reason ends up in the `end` line */
  stop(reason: string): void;
  done: Promise<{ sent: number; stoppedEarly: boolean; stopReason?: string }>;
}

export function runLoad(opts: LoadOptions, onRecord: (r: RequestRecord) => void, clock: Clock = realClock): RunningLoad {
  const client = opts.urls && opts.urls.length > 1 ? createRoundRobinClient({ ...opts, urls: opts.urls }) : createClient(opts);
  const planned = plannedCount(opts);
  let stoppedEarly = false;
  let stopReason: string | undefined;
  const schedule = runSchedule(
    opts,
    async (seq, scheduled, t0) => {
      const started = clock.now() - t0;
      let rec: RequestRecord;
      try {
        rec = await client.send(seq, scheduled, t0);
      } catch (err) {
        // a request is never lost: a bug of ours is recorded as `other`
        rec = { seq, scheduled, started, latency: clock.now() - t0 - started, kind: 'other', code: `HAPB_INTERNAL: ${String(err)}` };
      }
      onRecord(rec);
    },
    clock,
  );
  const t0Epoch = Math.round(Date.now() - (clock.now() - schedule.t0));
  const done = schedule.done.then(async () => {
    await client.close();
    return { sent: schedule.started(), stoppedEarly, ...(stopReason ? { stopReason } : {}) };
  });
  return {
    t0Epoch,
    planned,
    stop: (reason) => {
      stopReason ??= reason;
      stoppedEarly = schedule.started() < planned;
      schedule.stop();
    },
    done,
  };
}
