/**
 * Verdicts over a scenario's records and timeline. Each returns a Verdict with
 * the target and what was measured in words, so a report needs no more logic.
 */
import { describeFailures, formatMs, summarize } from './summary.js';
import type { RequestRecord, TimelineEvent, Verdict } from './types.js';

export const targets = {
  /** failed requests allowed in a scenario (all but lb-partition) */
  failedRequests: 0,
  /** from a director losing power to the VIP on the other one */
  vipMoveMs: 500,
  /** slowest request while a director fails over */
  failoverLatencyMs: 1500,
  /** from nginx hanging on the VIP holder to the VIP leaving it (the watcher's probes, then VRRP) */
  hungDetectMs: 1000,
} as const;

/**
 * Failed requests against the target, leaving out those that died inside a
 * director as it died (`lostWith`, see deaths.ts): they are reported by
 * `lostWithDeathReport`, not judged here. Everything else counts.
 */
export function noFailedRequests(records: RequestRecord[], max: number = targets.failedRequests): Verdict {
  // only failed requests are ever marked (markLostWithDeath)
  const judged = records.filter((r) => r.lostWith === undefined);
  const s = summarize(judged);
  const lost = records.length - judged.length;
  const besides = lost > 0 ? `; besides, ${lost} died inside a dying director (reported apart)` : '';
  return {
    id: 'failed-requests',
    description: 'failed requests',
    target: max === 0 ? '0' : `≤ ${max}`,
    actual: (s.failed === 0 ? '0' : `${s.failed} (${describeFailures(s)})`) + besides,
    pass: s.failed <= max,
  };
}

/**
 * The failed requests that were inside a director when it died: reported
 * with what they were, never judged (no configuration can save them; see
 * deaths.ts). Listed only when a director died in the scenario.
 */
export function lostWithDeathReport(records: RequestRecord[]): Verdict {
  const lost = records.filter((r) => r.lostWith !== undefined && r.kind !== 'ok');
  const detail = lost
    .slice(0, 5)
    .map((r) => `#${r.seq} ${r.kind} on ${r.lostWith ?? '?'}, started ${formatMs(r.started)}`)
    .join('; ');
  return {
    id: 'lost-with-death',
    description: 'requests inside the director as it died or hung (unsavable without a client retry)',
    target: 'reported',
    actual: lost.length === 0 ? '0' : `${lost.length}: ${detail}${lost.length > 5 ? '; …' : ''}`,
    pass: true,
    informational: true,
  };
}

/** requests that started inside [from, to) */
export function inWindow(records: RequestRecord[], from: number, to: number): RequestRecord[] {
  return records.filter((r) => r.started >= from && r.started < to);
}

export function maxLatencyWithin(
  records: RequestRecord[],
  window: { from: number; to: number },
  limitMs: number = targets.failoverLatencyMs,
): Verdict {
  // a request that died inside a dying director is reported apart (lostWithDeathReport)
  const inside = inWindow(records, window.from, window.to).filter((r) => r.lostWith === undefined);
  let worst: RequestRecord | undefined;
  for (const r of inside) if (!worst || r.latency > worst.latency) worst = r;
  return {
    id: 'failover-latency',
    description: 'slowest request during the failover',
    target: `≤ ${formatMs(limitMs)}`,
    actual: worst ? `${formatMs(worst.latency)} (request #${worst.seq} at ${formatMs(worst.started)}${worst.latency > limitMs ? whereItWaited(worst) : ''})` : 'no requests',
    pass: worst !== undefined && worst.latency <= limitMs,
  };
}

/**
 * Where a request over the limit spent its time, for the verdict's text: how
 * late the client started it, how long its connect took (a SYN retransmit is
 * 1 s), and how long its answer took once the request was written.
 */
function whereItWaited(r: RequestRecord): string {
  const parts = [`started ${formatMs(Math.max(0, r.started - r.scheduled))} late`];
  if (r.connected !== undefined) parts.push(`connected after ${formatMs(Math.max(0, r.connected - r.started))}`);
  if (r.sent !== undefined) parts.push(`answered ${formatMs(Math.max(0, r.started + r.latency - r.sent))} after it was sent`);
  if (r.retriedAfter !== undefined) parts.push(`retried after ${r.retriedAfter}`);
  return `: ${parts.join(', ')}`;
}

function vipEvents(events: TimelineEvent[]): TimelineEvent[] {
  return events.filter((e) => e.kind === 'vip').sort((a, b) => a.t - b.t);
}

/** holders at time t (the last vip event at or before t) */
export function holdersAt(events: TimelineEvent[], t: number): string[] {
  let h: string[] = [];
  for (const e of vipEvents(events)) {
    if (e.t > t) break;
    h = e.holders ?? [];
  }
  return h;
}

/** ms from `faultT` until someone other than `lost` holds the VIP alone; undefined if never */
export function vipMoveDelay(events: TimelineEvent[], faultT: number, lost: string): number | undefined {
  for (const e of vipEvents(events)) {
    if (e.t < faultT) continue;
    const h = e.holders ?? [];
    if (h.length >= 1 && !h.includes(lost)) return e.t - faultT;
  }
  return undefined;
}

export function vipMovedWithin(
  events: TimelineEvent[],
  faultT: number,
  lost: string,
  limitMs: number = targets.vipMoveMs,
): Verdict {
  const d = vipMoveDelay(events, faultT, lost);
  return {
    id: 'vip-move',
    description: `VIP moved away from ${lost}`,
    target: `≤ ${formatMs(limitMs)}`,
    actual: d === undefined ? 'never' : formatMs(d),
    pass: d !== undefined && d <= limitMs,
  };
}

/** exactly one director holds the VIP at the end (optionally a given one) */
export function vipHeldAtEnd(events: TimelineEvent[], endT: number, expected?: string): Verdict {
  const h = holdersAt(events, endT);
  const actual = h.length === 0 ? 'nobody' : h.join(' + ');
  return {
    id: 'vip-holder-end',
    description: 'VIP holder at the end',
    target: expected ?? 'exactly one director',
    actual,
    pass: expected === undefined ? h.length === 1 : h.length === 1 && h[0] === expected,
  };
}

/** total ms during which two or more directors held the VIP */
export function splitBrainMs(events: TimelineEvent[], endT: number): number {
  const ev = vipEvents(events);
  let total = 0;
  for (let i = 0; i < ev.length; i++) {
    const e = ev[i];
    if (!e || (e.holders ?? []).length < 2) continue;
    const next = ev[i + 1];
    total += Math.max(0, Math.min(next ? next.t : endT, endT) - e.t);
  }
  return total;
}

export function splitBrain(events: TimelineEvent[], endT: number): Verdict {
  const ms = splitBrainMs(events, endT);
  return {
    id: 'split-brain',
    description: 'both directors held the VIP (split brain)',
    target: 'detected and reported',
    actual: ms > 0 ? `yes, for ${formatMs(ms)}` : 'no',
    pass: true,
    informational: true,
  };
}

/** which backends answered requests that started in [from, to) */
export function backendsIn(records: RequestRecord[], from: number, to: number): string[] {
  const set = new Set<string>();
  for (const r of inWindow(records, from, to)) if (r.kind === 'ok' && r.backend) set.add(r.backend);
  return [...set].sort();
}

export function backendAbsent(records: RequestRecord[], backend: string, from: number, to: number): Verdict {
  const seen = backendsIn(records, from, to);
  return {
    id: 'backend-absent',
    description: `${backend} answers nothing after it stopped`,
    target: `not ${backend}`,
    actual: seen.join(', ') || 'nobody',
    pass: !seen.includes(backend) && seen.length > 0,
  };
}

export function backendPresent(records: RequestRecord[], backend: string, from: number, to: number): Verdict {
  const seen = backendsIn(records, from, to);
  return {
    id: 'backend-present',
    description: `${backend} answers again`,
    target: `includes ${backend}`,
    actual: seen.join(', ') || 'nobody',
    pass: seen.includes(backend),
  };
}

export function allBackendsAnswered(records: RequestRecord[], backends: string[]): Verdict {
  const seen = backendsIn(records, -Infinity, Infinity);
  const missing = backends.filter((b) => !seen.includes(b));
  return {
    id: 'backends-answered',
    description: 'every backend answered',
    target: backends.join(', '),
    actual: seen.join(', ') || 'nobody',
    pass: missing.length === 0,
  };
}

/** exactly one director holds the VIP at the end, and it is not `host` */
export function vipAwayAtEnd(events: TimelineEvent[], endT: number, host: string): Verdict {
  const v = vipHeldAtEnd(events, endT);
  const h = holdersAt(events, endT);
  return { ...v, target: `one director, not ${host}`, pass: v.pass && !h.includes(host) };
}
