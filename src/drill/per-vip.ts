/**
 * Several VIPs (active-active): the load goes round every VIP, and each
 * scenario is judged per VIP as well: no failed request through it, and
 * exactly one director holding it at the end. With one VIP this adds nothing.
 */
import { noFailedRequests, vipHeldAtEnd } from './assertions.js';
import type { LabTopology } from './lab-control.js';
import type { RequestRecord, TimelineEvent, Verdict } from './types.js';

/** the timeline as seen through one VIP: the `vip` events of the other VIPs left out (all of it when `vip` is undefined) */
export function eventsThroughVip(events: TimelineEvent[], vip: string | undefined): TimelineEvent[] {
  if (vip === undefined) return events;
  return events.filter((e) => e.kind !== 'vip' || e.vip === undefined || e.vip === vip);
}

/** the timeline with the `vip` events of the first VIP only (what the scenarios' own verdicts read) */
export function primaryEvents(events: TimelineEvent[], topology: Pick<LabTopology, 'vip' | 'vips'>): TimelineEvent[] {
  if (!topology.vips || topology.vips.length < 2) return events;
  return eventsThroughVip(events, topology.vip);
}

export function perVipVerdicts(
  records: RequestRecord[],
  events: TimelineEvent[],
  durationMs: number,
  topology: Pick<LabTopology, 'vips'>,
  own: Verdict[],
): Verdict[] {
  const vips = topology.vips ?? [];
  if (vips.length < 2) return [];
  // a scenario that only reports its failed requests (a split brain) reports them per VIP the same way
  const informational = own.some((v) => v.id === 'failed-requests' && v.informational === true);
  const out: Verdict[] = [];
  for (const v of vips) {
    const mine = records.filter((r) => r.vip === v.vip);
    out.push({
      ...noFailedRequests(mine),
      description: `failed requests through VIP ${v.vip} (${mine.length} sent)`,
      ...(informational ? { informational: true } : {}),
    });
    if (mine.length === 0) out.push({ id: 'failed-requests', description: `requests through VIP ${v.vip}`, target: '> 0', actual: '0', pass: false });
    out.push({
      ...vipHeldAtEnd(events.filter((e) => e.kind === 'vip' && e.vip === v.vip), durationMs),
      description: `VIP ${v.vip} holder at the end`,
    });
  }
  return out;
}
