/**
 * Run one scenario: prepare (untimed), start the load in the client, watch the
 * VIP, run the timed steps, wait for the load to end, judge.
 */
import { systemClock, type Clock } from '../../core/clock.js';
import { errorMessage } from '../../errors/index.js';
import type { LabControl } from '../lab-control.js';
import { summarize } from '../summary.js';
import { deathsVerdicts, markLostWithDeath } from '../deaths.js';
import type { BackoffSighting, Death, LoadOptions, Profile, RequestRecord, ScenarioResult, TimelineEvent } from '../types.js';
import { watchVip } from '../vip-watcher.js';
import { perVipVerdicts, primaryEvents } from '../per-vip.js';
import { tlsVerdicts } from '../https.js';
import { nginxCountersVerdict } from '../nginx-counters.js';
import type { DrillState, Scenario, ScenarioContext } from './types.js';

export interface RunOptions {
  rate: number;
  timeoutMs: number;
  keepalive: number;
  /** VIP poll interval, ms (default: watchVip's, 500 where the lab reports address changes, else 100) */
  vipPollMs?: number;
  /** after a converge, how long one director must hold the VIP before the first scenario (default 8 s) */
  settleMs?: number;
  /** the time the scenario runs on (default: the system's; unit tests simulate it) */
  clock?: Clock;
}

export interface ScenarioListener {
  step?(label: string): void;
  record?(r: RequestRecord): void;
}

/** when `informational` every verdict is reported but none fails the drill */
export async function runScenario(
  lab: LabControl,
  scenario: Scenario,
  profile: Profile,
  state: DrillState,
  opts: RunOptions,
  listener: ScenarioListener = {},
): Promise<ScenarioResult> {
  const events: TimelineEvent[] = [];
  const windows: ScenarioResult['windows'] = [];
  const deaths: Death[] = [];
  const facts: Record<string, string | number> = {};
  let tcpBackoff: BackoffSighting[] | undefined;
  const clock = opts.clock ?? systemClock;
  let t0Epoch = clock.now();
  const now = (): number => clock.now() - t0Epoch;
  const ctx: ScenarioContext = {
    lab,
    profile,
    state,
    facts,
    clock,
    now,
    at: async (ms) => {
      const wait = ms - now();
      if (wait > 0) await clock.sleep(wait);
    },
    mark: (kind, label) => {
      const t = now();
      events.push({ t, kind, label });
      listener.step?.(label);
      return t;
    },
    died: (host, what, from, atEpoch, o) => {
      const t = typeof atEpoch === 'number' ? atEpoch - t0Epoch : now();
      deaths.push({ from, t: Math.max(from, t), host, what, ...(o?.untilVipTaken === true ? { untilVipTaken: true } : {}) });
    },
    window: (from, to, label) => windows.push({ from, to, label }),
    sawBackoff: (s) => void (tcpBackoff = [...(tcpBackoff ?? []), ...s]),
    vipHolder: async () => {
      const h = await lab.vipHolders();
      return h.length === 1 && h[0] !== undefined ? h[0] : lab.topology.directors[0];
    },
  };
  const vips = lab.topology.vips ?? [];
  const load: LoadOptions = {
    url: lab.topology.url,
    ...(vips.length > 1 ? { urls: vips.map((v) => v.url) } : {}),
    rate: opts.rate,
    timeoutMs: opts.timeoutMs,
    durationMs: scenario.durationMs,
    keepalive: opts.keepalive,
    ...(lab.topology.ca !== undefined ? { ca: lab.topology.ca } : {}),
  };
  const base = {
    scenario: scenario.name,
    profile,
    description: scenario.description,
    durationMs: scenario.durationMs,
    load,
  };
  try {
    if (scenario.prepare) {
      listener.step?.('preparing');
      await scenario.prepare(ctx);
    }
    const synBefore = await lab.clientSynRetrans?.();
    const nginxBefore = await lab.nginxCounters?.();
    listener.step?.('load running');
    const handle = lab.startLoad(load);
    if (listener.record) handle.onRecord(listener.record);
    t0Epoch = await handle.t0Epoch;
    // one watcher per VIP; with several, each event names its VIP
    const watchers = (vips.length > 1 ? vips.map((v) => v.vip) : [undefined]).map((vip) =>
      watchVip(
        () => (vip === undefined ? lab.vipHolders() : lab.vipHolders(vip)),
        now,
        (e) => events.push(vip === undefined ? e : { ...e, vip, label: e.label.replace(/^VIP/, `VIP ${vip}`) }),
        opts.vipPollMs,
        lab.onAddressChange?.bind(lab),
        clock,
      ),
    );
    const watcher = { stop: async (): Promise<void> => void (await Promise.all(watchers.map((w) => w.stop()))) };
    let stepError: unknown;
    try {
      await scenario.run(ctx);
      if (scenario.endsWithSteps === true) handle.stop();
    } catch (err) {
      stepError = err;
      handle.stop();
    }
    const records = await handle.done;
    await watcher.stop();
    const synAfter = await lab.clientSynRetrans?.();
    const nginxAfter = await lab.nginxCounters?.();
    const end = records.reduce((m, r) => Math.max(m, r.started + r.latency), scenario.durationMs);
    const durationMs = Math.round(Math.max(scenario.durationMs, end));
    events.sort((a, b) => a.t - b.t);
    markLostWithDeath(records, events, deaths);
    // the scenario judges the first VIP's moves (the VIP its faults aim at); every VIP is judged apart too
    const own = scenario.verdicts({ records, events: primaryEvents(events, lab.topology), windows, facts, durationMs, lab, tcpBackoff: tcpBackoff ?? [] });
    const verdicts = [...own, ...perVipVerdicts(records, events, durationMs, lab.topology, own), ...tlsVerdicts(records, primaryEvents(events, lab.topology), load.url.startsWith('https:')), ...deathsVerdicts(records, events, deaths)];
    const counters = nginxBefore && nginxAfter ? nginxCountersVerdict(nginxBefore, nginxAfter, records) : undefined;
    if (counters) verdicts.push(counters);
    const result: ScenarioResult = {
      ...base,
      durationMs,
      t0Epoch,
      records,
      events,
      deaths,
      windows,
      summary: summarize(records),
      verdicts,
      pass: stepError === undefined && verdicts.every((v) => v.pass || v.informational === true),
    };
    if (stepError !== undefined) result.error = errorMessage(stepError);
    if (synBefore !== undefined && synAfter !== undefined) result.clientSynRetransmits = synAfter - synBefore;
    if (tcpBackoff !== undefined) result.tcpBackoff = tcpBackoff;
    return result;
  } catch (err) {
    return {
      ...base,
      t0Epoch,
      records: [],
      events,
      deaths,
      windows,
      summary: summarize([]),
      verdicts: [],
      pass: false,
      error: errorMessage(err),
    };
  }
}
