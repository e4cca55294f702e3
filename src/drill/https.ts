/**
 * `hapb drill --https`: the same scenarios over TLS to https://VIP/, trusting
 * the lab's CA (made by `hapb lab up`, src/lab/tls.ts), and what TLS adds to
 * the verdicts: the handshakes (full, resumed, failed) and whether a client
 * resumed its session on the director that took the VIP over: the directors
 * share their session ticket keys (role nginx_director), so the first
 * handshake with the new holder resumes a session the old holder issued.
 */
import { existsSync } from 'node:fs';
import { HapbError } from '../errors/index.js';
import { labTlsFiles } from '../lab/tls.js';
import type { LabControl, LabTopology } from './lab-control.js';
import { describeTls, summarize } from './summary.js';
import type { RequestRecord, TimelineEvent, Verdict } from './types.js';

/** the lab as the drill sees it over HTTPS: same machines, url https://VIP/ and the lab's CA */
export function overHttps(lab: LabControl, caCert = labTlsFiles(lab.name).caCert): LabControl {
  if (!existsSync(caCert)) {
    throw new HapbError(`lab "${lab.name}" has no CA (${caCert})`, { hint: `a lab made by this hapb has one: hapb lab down --name ${lab.name} && hapb lab up --name ${lab.name}` });
  }
  const topology: LabTopology = { ...lab.topology, url: `https://${lab.topology.vip}/`, ca: caCert };
  // the lab's methods stay its own (prototype), only the topology differs
  const view = Object.create(lab) as LabControl;
  Object.defineProperty(view, 'topology', { value: topology, enumerable: true });
  return view;
}

/** HTTPS handshakes, resumed sessions, TLS failures (informational) */
export function tlsReport(records: RequestRecord[]): Verdict {
  const t = summarize(records).tls ?? { handshakes: 0, resumed: 0, failures: 0 };
  return {
    id: 'tls-handshakes',
    description: 'TLS handshakes, resumed sessions, TLS failures',
    target: 'reported',
    actual: describeTls(t),
    pass: true,
    informational: true,
  };
}

/** the first time the VIP is on one director after it was on another one alone (through nobody or both in between) */
export function vipMove(events: TimelineEvent[]): { t: number; from: string; to: string } | undefined {
  let last: string | undefined;
  for (const e of events) {
    if (e.kind !== 'vip' || e.holders?.length !== 1) continue;
    const [holder] = e.holders;
    if (holder === undefined) continue;
    if (last !== undefined && holder !== last) return { t: e.t, from: last, to: holder };
    last = holder;
  }
  return undefined;
}

/** how many of the first handshakes after the move are shown */
const FIRST = 10;

/**
 * The first TLS handshake completed after the VIP moved to the other director
 * resumed a session: its ticket was issued by the old holder (no connection to
 * the new one had completed before it), so only shared ticket keys resume it.
 * Undefined when the VIP did not move from one director to the other.
 */
export function resumedAfterFailover(records: RequestRecord[], events: TimelineEvent[]): Verdict | undefined {
  const move = vipMove(events);
  if (!move) return undefined;
  const after = records
    .filter((r) => r.tls !== undefined && r.connected !== undefined && r.connected > move.t)
    .sort((a, b) => (a.connected ?? 0) - (b.connected ?? 0));
  const first = after[0];
  const shown = after.slice(0, FIRST);
  const resumed = shown.filter((r) => r.tls === 'resumed').length;
  return {
    id: 'tls-resumed-after-failover',
    description: `the first TLS handshake on ${move.to} after the VIP moved from ${move.from} resumes the session`,
    target: 'resumed',
    actual: first ? `${first.tls ?? '?'} (request #${first.seq}); of the first ${shown.length}: ${resumed} resumed` : 'no handshake after the move',
    pass: first?.tls === 'resumed',
  };
}

/** the verdicts HTTPS adds to a scenario's (nothing over plain HTTP) */
export function tlsVerdicts(records: RequestRecord[], events: TimelineEvent[], https: boolean): Verdict[] {
  if (!https) return [];
  const out = [tlsReport(records)];
  const moved = resumedAfterFailover(records, events);
  if (moved) out.push(moved);
  return out;
}
