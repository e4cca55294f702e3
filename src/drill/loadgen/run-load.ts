/** Drive the HTTP client with the open-loop schedule and hand each record out. */
import type { LoadOptions, RequestRecord } from '../types.js';
import { createClient } from './client.js';
import { plannedCount, runSchedule, type Clock, realClock } from './scheduler.js';

export interface RunningLoad {
  /** epoch ms of t0 */
  t0Epoch: number;
  planned: number;
  stop(): void;
  done: Promise<{ sent: number; stoppedEarly: boolean }>;
}

export function runLoad(opts: LoadOptions, onRecord: (r: RequestRecord) => void, clock: Clock = realClock): RunningLoad {
  const client = createClient(opts);
  const planned = plannedCount(opts);
  let stoppedEarly = false;
  const schedule = runSchedule(
    opts,
    async (seq, scheduled, t0) => {
      onRecord(await client.send(seq, scheduled, t0));
    },
    clock,
  );
  const t0Epoch = Math.round(Date.now() - (clock.now() - schedule.t0));
  const done = schedule.done.then(async () => {
    await client.close();
    return { sent: schedule.started(), stoppedEarly };
  });
  return {
    t0Epoch,
    planned,
    stop: () => {
      stoppedEarly = schedule.started() < planned;
      schedule.stop();
    },
    done,
  };
}
