/**
 * The soak: one long load through the VIP while the plan's faults are made
 * one at a time; after each is undone the cluster is brought back to health
 * (src/drill/healthy.ts, findings recorded) before the next gap starts.
 * Works on a lab (LabControl over src/lab) and on a cluster over SSH
 * (ClusterControl: dead-man timers, only listed faults).
 */
import { systemClock, type Clock } from '../../core/clock.js';
import { errorMessage } from '../../errors/index.js';
import { splitBrainMs, targets, vipMoveDelay } from '../assertions.js';
import { deathsVerdicts, markLostWithDeath } from '../deaths.js';
import { ensureHealthy, type HealOptions } from '../healthy.js';
import type { LabControl } from '../lab-control.js';
import { formatMs, summarize } from '../summary.js';
import type { BackoffSighting, Death, Finding, LoadSummary, Profile, RequestRecord, ScenarioResult, TimelineEvent } from '../types.js';
import { watchVip } from '../vip-watcher.js';
import { ClusterControl } from '../gameday/control.js';
import { lossPhysics, lossyTcpTimeoutsVerdict, makeFault } from '../gameday/scenarios.js';
import { sampleBackoff, servicePortOf } from '../tcp-backoff.js';
import { soakPlan, targetText, type PlannedFault, type SoakFault, type SoakPlanOptions } from './plan.js';

export interface SoakOptions extends Omit<SoakPlanOptions, 'backends'> {
  rate: number;
  timeoutMs: number;
  keepalive: number;
  profile: Profile;
  heal?: Omit<HealOptions, 'step' | 'clock'>;
  clock?: Clock;
  step?: (line: string) => void;
  /** true once the run must stop (Ctrl-C) */
  stopped?: () => boolean;
}

export interface SoakFaultResult {
  n: number;
  kind: SoakFault;
  target: string;
  host: string;
  label: string;
  /** ms since t0: made, undone, healthy again */
  t: number;
  undoneT: number;
  healedT: number;
  /** requests started from this fault to the next one (or the end) */
  requests: number;
  failed: number;
  /** of those, inside a director as it died (unsavable; reported apart) */
  lostWithDeath: number;
  slowestMs: number;
  vipChanges: number;
  findings: Finding[];
  error?: string;
}

export interface SoakReport {
  schema: 'hapb-soak/1';
  target: string;
  seed: number;
  profile: Profile;
  startedAt: string;
  durationMs: number;
  rate: number;
  keepalive: number;
  plan: PlannedFault[];
  faults: SoakFaultResult[];
  summary: LoadSummary;
  /** failed requests that were NOT inside a dying director, nor held up by TCP on a lossy link */
  failedOutside: number;
  /**
   * timeouts TCP held up while a link was lossy (after a retransmitted SYN, or
   * on a connection seen waiting for a lost segment: lossPhysics), reported apart
   */
  lossyTcpTimeouts: number;
  /** time two directors held the VIP, ms (in total, and its longest stretch) */
  twoHoldersMs: number;
  longestTwoHoldersMs: number;
  /** time nobody held the VIP, ms */
  noHolderMs: number;
  /** the whole soak as one scenario (records, timeline, deaths): the picture and report.json draw from it */
  timeline: ScenarioResult;
  pass: boolean;
  error?: string;
}

/**
 * What a planned fault does to a director as the drill counts it (deaths.ts):
 * a death, or a hang, which counts (and whose detection is judged) only on the
 * VIP holder: a hung standby holds no request, and the VIP never leaves it.
 */
export function soakDeath(p: Pick<PlannedFault, 'kind' | 'target'>, onDirector: boolean): { what: string; untilVipTaken?: true } | undefined {
  const what = DEATHS[p.kind];
  if (what === undefined || !onDirector) return undefined;
  if (p.kind !== 'nginx-hung') return { what };
  return p.target.role === 'holder' ? { what, untilVipTaken: true } : undefined;
}

/** the longest stretch during which two or more directors held the VIP, ms */
export function longestTwoHoldersMs(events: TimelineEvent[], endT: number): number {
  const ev = events.filter((e) => e.kind === 'vip');
  let longest = 0;
  let since: number | undefined;
  for (const e of ev) {
    const two = (e.holders ?? []).length >= 2;
    if (two && since === undefined) since = e.t;
    if (!two && since !== undefined) {
      longest = Math.max(longest, e.t - since);
      since = undefined;
    }
  }
  if (since !== undefined) longest = Math.max(longest, endT - since);
  return longest;
}

/** total ms during which no director held the VIP (from the first observation on) */
export function noHolderMs(events: TimelineEvent[], endT: number): number {
  const ev = events.filter((e) => e.kind === 'vip');
  let total = 0;
  for (let i = 0; i < ev.length; i++) {
    const e = ev[i];
    if (!e || (e.holders ?? []).length !== 0) continue;
    const next = ev[i + 1];
    total += Math.max(0, Math.min(next ? next.t : endT, endT) - e.t);
  }
  return total;
}

const DEATHS: Partial<Record<SoakFault, string>> = { 'nginx-killed': 'nginx killed', poweroff: 'power lost', cut: 'link cut', 'nginx-stopped': 'nginx stopped', 'nginx-hung': 'nginx hung' };

async function resolveHost(lab: LabControl, p: PlannedFault): Promise<string> {
  const [d0, d1] = lab.topology.directors;
  if (p.target.role === 'backend') return lab.topology.backends[p.target.index % lab.topology.backends.length] ?? lab.topology.backends[0] ?? d0;
  const h = await lab.vipHolders();
  const holder = h.length === 1 && h[0] ? h[0] : d0;
  return p.target.role === 'holder' ? holder : holder === d0 ? d1 : d0;
}

/** make the fault; returns the undo and the epoch ms of the death (if the inject stamps one) */
async function inject(lab: LabControl, kind: SoakFault, host: string): Promise<{ undo: () => Promise<void>; stamp?: number; label: string }> {
  switch (kind) {
    case 'poweroff': {
      const at = await lab.poweroff(host);
      return { undo: () => lab.poweron(host), label: `${host} powered off`, ...(typeof at === 'number' ? { stamp: at } : {}) };
    }
    case 'cut': {
      const at = await lab.cut(host);
      return { undo: async () => void (await lab.uncut(host)), label: `${host} link cut`, ...(typeof at === 'number' ? { stamp: at } : {}) };
    }
    case 'backend-stopped': {
      const f = await makeFault(lab, 'nginx-stopped', { host });
      return { undo: f.undo, label: `nginx stopped on ${host}` };
    }
    case 'lossy-link': {
      const f = await makeFault(lab, 'lossy-link', { host, lossPercent: 5 });
      return { undo: f.undo, label: `5 % loss on ${host}` };
    }
    case 'backend-slow': {
      const f = await makeFault(lab, 'backend-slow', { host, delaySeconds: 2 });
      return { undo: f.undo, label: `${host} answers in 2 s` };
    }
    default: {
      const f = await makeFault(lab, kind, { host });
      const label = kind === 'backend-broken' ? `${host} answers 500/502` : `${kind.replace('-', ' ')} on ${host}`;
      return { undo: f.undo, label, ...(f.stamp !== undefined ? { stamp: f.stamp } : {}) };
    }
  }
}

/** keep the picture readable: every failure and slow request, 1 in k of the rest */
export function thin(records: RequestRecord[], max = 20_000): RequestRecord[] {
  if (records.length <= max) return records;
  const k = Math.ceil(records.length / max);
  return records.filter((r) => r.kind !== 'ok' || r.latency > 200 || r.seq % k === 0);
}

export async function runSoak(lab: LabControl, opts: SoakOptions): Promise<SoakReport> {
  const clock = opts.clock ?? systemClock;
  const step = opts.step ?? (() => undefined);
  const plan = soakPlan({ ...opts, backends: lab.topology.backends.length });
  const startedAt = new Date().toISOString();
  const events: TimelineEvent[] = [];
  const deaths: Death[] = [];
  const results: SoakFaultResult[] = [];
  // a lossy director: which connections TCP itself held up (as the scenario lb-lossy samples them)
  const sampling: Promise<BackoffSighting[]>[] = [];
  const load = { url: lab.topology.url, rate: opts.rate, timeoutMs: opts.timeoutMs, durationMs: opts.durationMs, keepalive: opts.keepalive };
  const handle = lab.startLoad(load);
  const t0 = await handle.t0Epoch;
  const now = (): number => clock.now() - t0;
  const at = async (ms: number): Promise<void> => {
    const wait = ms - now();
    if (wait > 0) await clock.sleep(wait);
  };
  const mark = (kind: 'fault' | 'recover' | 'note', label: string): number => {
    const t = now();
    events.push({ t, kind, label });
    step(label);
    return t;
  };
  const watcher = watchVip(() => lab.vipHolders(), now, (e) => events.push(e), undefined, lab.onAddressChange?.bind(lab), clock);
  let error: string | undefined;
  try {
    for (const p of plan) {
      if (opts.stopped?.()) break;
      await at(p.at);
      // a late start still needs its hold, the heal and a quiet tail inside the load
      if (now() + p.holdMs + 15_000 > opts.durationMs) break;
      const host = await resolveHost(lab, p);
      const from = now();
      let made: Awaited<ReturnType<typeof inject>>;
      try {
        made = await inject(lab, p.kind, host);
      } catch (err) {
        results.push({ n: p.n, kind: p.kind, target: targetText(p.target), host, label: p.kind, t: from, undoneT: from, healedT: now(), requests: 0, failed: 0, lostWithDeath: 0, slowestMs: 0, vipChanges: 0, findings: [], error: errorMessage(err) });
        continue;
      }
      const t = now();
      events.push({ t: from, kind: 'fault', label: `#${p.n} ${made.label}` });
      step(`#${p.n}/${plan.length} ${made.label} (${(p.holdMs / 1000).toFixed(1)} s)`);
      if (p.kind === 'lossy-link' && lab.topology.directors.includes(host)) {
        const untilMs = Math.min(from + p.holdMs + opts.timeoutMs + 1000, opts.durationMs);
        sampling.push(sampleBackoff({ exec: (h, argv) => lab.exec(h, argv), now, at, server: host, client: lab.topology.client, servicePort: servicePortOf(lab.topology.url), untilMs }));
      }
      const death = soakDeath(p, lab.topology.directors.includes(host));
      // a hang counts until another director takes the VIP (deaths.ts); its detection is judged below
      if (death) deaths.push({ from, t: Math.max(from, made.stamp !== undefined ? made.stamp - t0 : t), host, ...death });
      let faultError: string | undefined;
      try {
        await at(from + p.holdMs);
      } finally {
        await made.undo().catch((err: unknown) => (faultError = `undo: ${errorMessage(err)}`));
      }
      const undoneT = mark('recover', `#${p.n} undone`);
      let findings: Finding[] = [];
      try {
        findings = await ensureHealthy(lab, opts.profile, {}, { graceMs: 20_000, stableMs: 1000, ...opts.heal, clock });
        if (lab instanceof ClusterControl) await lab.disarmAll();
      } catch (err) {
        faultError = [faultError, `not healthy after: ${errorMessage(err)}`].filter(Boolean).join('; ');
      }
      const healedT = mark('note', `#${p.n} healthy`);
      results.push({
        n: p.n,
        kind: p.kind,
        target: targetText(p.target),
        host,
        label: made.label,
        t: from,
        undoneT,
        healedT,
        requests: 0,
        failed: 0,
        lostWithDeath: 0,
        slowestMs: 0,
        vipChanges: 0,
        findings,
        ...(faultError ? { error: faultError } : {}),
      });
      if (faultError?.includes('not healthy')) {
        error = `stopped after fault #${p.n}: ${faultError}`;
        break;
      }
    }
  } catch (err) {
    error = errorMessage(err);
  }
  if (error !== undefined || opts.stopped?.()) handle.stop();
  let records: RequestRecord[];
  try {
    records = await handle.done;
  } finally {
    // the `ip monitor` children must end even when the load failed, or the process never exits
    await watcher.stop();
  }
  const tcpBackoff = (await Promise.all(sampling)).flat();
  return soakFigures({ target: lab.name, opts, plan, startedAt, t0, load, records, events, deaths, faults: results, tcpBackoff, ...(error !== undefined ? { error } : {}) });
}

export interface SoakRaw {
  target: string;
  opts: Pick<SoakOptions, 'seed' | 'profile' | 'rate' | 'keepalive' | 'durationMs'>;
  plan: PlannedFault[];
  startedAt: string;
  t0: number;
  load: ScenarioResult['load'];
  records: RequestRecord[];
  events: TimelineEvent[];
  deaths: Death[];
  faults: SoakFaultResult[];
  /** the lossy directors' samples (tcp-backoff.ts); absent: none taken */
  tcpBackoff?: BackoffSighting[];
  error?: string;
}

/**
 * The soak's figures from what it recorded (a 30-minute soak at 200 req/s:
 * 360,000 records; nothing here may take them as call arguments).
 */
export function soakFigures(raw: SoakRaw): SoakReport {
  const { opts, plan, startedAt, t0, load, records, events, deaths, error } = raw;
  const results = raw.faults;
  events.sort((a, b) => a.t - b.t);
  markLostWithDeath(records, events, deaths);
  const end = records.reduce((m, r) => Math.max(m, r.started + r.latency), opts.durationMs);
  // per fault: the requests from its start to the next fault's start
  results.forEach((f, i) => {
    const until = results[i + 1]?.t ?? end;
    const mine = records.filter((r) => r.started >= f.t && r.started < until);
    f.requests = mine.length;
    f.failed = mine.filter((r) => r.kind !== 'ok').length;
    f.lostWithDeath = mine.filter((r) => r.kind !== 'ok' && r.lostWith !== undefined).length;
    f.slowestMs = Math.round(mine.reduce((m, r) => Math.max(m, r.latency), 0));
    f.vipChanges = events.filter((e) => e.kind === 'vip' && e.t >= f.t && e.t < until).length;
  });
  const summary = summarize(records);
  // a timeout begun while a link was lossy that TCP held up is reported apart, as in lb-lossy / backend-lossy
  const tcpBackoff = raw.tcpBackoff ?? [];
  const lossy = results.filter((f) => f.kind === 'lossy-link' && f.error === undefined);
  const lossyApart = records.filter((r) => r.lostWith === undefined && lossy.some((f) => r.started >= f.t && r.started < f.undoneT) && lossPhysics(r, tcpBackoff));
  const failedOutside = records.filter((r) => r.kind !== 'ok' && r.lostWith === undefined).length - lossyApart.length;
  // every hang of the VIP holder told apart within the drill's target: what it let in stays bounded
  const hangs = deaths.filter((d) => d.untilVipTaken === true).map((d) => ({ d, ms: vipMoveDelay(events, d.from, d.host) }));
  const slowHangs = hangs.filter((h) => h.ms === undefined || h.ms > targets.hungDetectMs);
  const twoHolders = splitBrainMs(events, end);
  const longestTwo = longestTwoHoldersMs(events, end);
  const none = noHolderMs(events, end);
  const timeline: ScenarioResult = {
    scenario: 'soak',
    profile: opts.profile,
    description: `soak: ${results.length} faults, seed ${opts.seed}`,
    t0Epoch: t0,
    durationMs: Math.round(end),
    load,
    records,
    events,
    deaths,
    windows: [],
    summary,
    ...(raw.tcpBackoff !== undefined ? { tcpBackoff: raw.tcpBackoff } : {}),
    verdicts: [
      { id: 'failed-requests', description: 'failed requests outside a dying or hung director (and besides timeouts TCP held up on a lossy link)', target: '0', actual: String(failedOutside), pass: failedOutside === 0 },
      ...(lossy.length > 0 ? [lossyTcpTimeoutsVerdict(lossyApart)] : []),
      {
        id: 'two-holders',
        description: 'two VIP holders: no second of it (the longest stretch; the total is reported)',
        target: '< 1 s',
        actual: `longest ${(longestTwo / 1000).toFixed(2)} s, total ${(twoHolders / 1000).toFixed(2)} s`,
        pass: longestTwo < 1000,
      },
      { id: 'no-holder', description: 'time with no VIP holder', target: 'reported', actual: `${(none / 1000).toFixed(2)} s`, pass: true, informational: true },
      ...(hangs.length > 0
        ? [
            {
              id: 'hung-detected',
              description: 'nginx hung on the VIP holder: the VIP moved away (the requests it let in meanwhile are reported as inside it)',
              target: `≤ ${formatMs(targets.hungDetectMs)} each`,
              actual: hangs.map((h) => (h.ms === undefined ? 'never' : formatMs(h.ms))).join(', '),
              pass: slowHangs.length === 0,
            },
          ]
        : []),
      ...deathsVerdicts(records, events, deaths),
    ],
    pass: false,
  };
  timeline.pass = error === undefined && timeline.verdicts.every((v) => v.pass || v.informational === true);
  return {
    schema: 'hapb-soak/1',
    target: raw.target,
    seed: opts.seed,
    profile: opts.profile,
    startedAt,
    durationMs: Math.round(end),
    rate: opts.rate,
    keepalive: opts.keepalive,
    plan,
    faults: results,
    summary,
    failedOutside,
    lossyTcpTimeouts: lossyApart.length,
    twoHoldersMs: twoHolders,
    longestTwoHoldersMs: longestTwo,
    noHolderMs: none,
    timeline,
    pass: timeline.pass,
    ...(error !== undefined ? { error } : {}),
  };
}
