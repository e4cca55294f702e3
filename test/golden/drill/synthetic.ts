/**
 * A fixed synthetic drill: lb-poweroff under both profiles, from a seeded
 * generator, so golden files of the pictures and the report never drift.
 * tutorial: the VIP moves 3.1 s after the power loss, requests in between are
 * refused or time out; hapb: it moves after 0.3 s and requests only wait.
 * In both, the request in flight on lb1 as it died times out (marked lostWith).
 */
import { markLostWithDeath } from '../../../src/drill/deaths.js';
import { summarize } from '../../../src/drill/summary.js';
import { vipHeldAtEnd, vipMovedWithin, maxLatencyWithin, noFailedRequests, lostWithDeathReport } from '../../../src/drill/assertions.js';
import type { Death, DrillReport, Profile, RequestRecord, ScenarioResult, TimelineEvent } from '../../../src/drill/types.js';
import { prng } from '../../helpers/prng.js';

const rate = 50;
const durationMs = 10_000;
const faultT = 2000;

export function syntheticResult(profile: Profile): ScenarioResult {
  const rnd = prng(profile === 'hapb' ? 7 : 11);
  const moveAfter = profile === 'hapb' ? 300 : 3100;
  const records: RequestRecord[] = [];
  const total = (durationMs * rate) / 1000;
  for (let seq = 0; seq < total; seq++) {
    const scheduled = (seq * 1000) / rate;
    const started = Math.round((scheduled + rnd() * 0.8) * 100) / 100;
    const backend = rnd() < 0.5 ? 'web1' : 'web2';
    let latency = 1.5 + rnd() * 3;
    const rec: RequestRecord = { seq, scheduled, started, latency: 0, kind: 'ok', status: 200, backend };
    const inGap = started >= faultT && started < faultT + moveAfter;
    if (inGap && profile === 'hapb') {
      latency = faultT + moveAfter - started + 1000 * (rnd() < 0.5 ? 1 : 0) + 2;
      if (latency > 1000) latency = 1000 + rnd() * 40;
    } else if (inGap) {
      const roll = rnd();
      if (roll < 0.7) {
        rec.kind = 'timeout';
        rec.code = 'HAPB_TIMEOUT';
        latency = 5000;
      } else {
        rec.kind = 'refused';
        rec.code = 'ECONNREFUSED';
        latency = 0.4 + rnd();
      }
      delete rec.status;
      delete rec.backend;
    }
    rec.latency = Math.round(latency * 100) / 100;
    if (rec.kind !== 'refused') rec.connected = rec.started + 0.3;
    if (seq === (faultT * rate) / 1000 - 1) {
      // in flight on lb1 when it lost power
      rec.kind = 'timeout';
      rec.code = 'HAPB_TIMEOUT';
      rec.latency = 5000;
      delete rec.status;
      delete rec.backend;
    }
    records.push(rec);
  }
  if (profile === 'tutorial') {
    const r = records[12];
    if (r) r.retriedAfter = 'ECONNRESET';
  }
  const events: TimelineEvent[] = [
    { t: 3.2, kind: 'vip', label: 'VIP on lb1', holders: ['lb1'] },
    { t: faultT, kind: 'fault', label: 'lb1 powered off' },
    { t: faultT + 20, kind: 'vip', label: 'VIP: nobody', holders: [], from: ['lb1'] },
    { t: faultT + moveAfter, kind: 'vip', label: 'VIP on lb2', holders: ['lb2'], from: [] },
  ];
  const windows = [{ from: faultT, to: faultT + 5000, label: 'lb1 powered off' }];
  const deaths: Death[] = [{ from: faultT, t: faultT + 5, host: 'lb1', what: 'power lost' }];
  markLostWithDeath(records, events, deaths);
  const verdicts = [
    noFailedRequests(records),
    lostWithDeathReport(records),
    vipMovedWithin(events, faultT, 'lb1'),
    maxLatencyWithin(records, windows[0] ?? { from: 0, to: 0 }),
    vipHeldAtEnd(events, durationMs),
  ];
  return {
    scenario: 'lb-poweroff',
    profile,
    description: 'the VIP holder loses power',
    t0Epoch: 1_790_000_000_000,
    durationMs,
    load: { url: 'http://10.199.0.100/', rate, timeoutMs: 5000, durationMs, keepalive: 0 },
    records,
    events,
    deaths,
    windows,
    summary: summarize(records),
    verdicts,
    pass: verdicts.every((v) => v.pass || v.informational === true),
  };
}

export function syntheticReport(): DrillReport {
  const results = [syntheticResult('tutorial'), syntheticResult('hapb')].map((r) =>
    r.profile === 'tutorial' ? { ...r, verdicts: r.verdicts.map((v) => ({ ...v, informational: true })), pass: true } : r,
  );
  // what lb-poweroff leaves: the director it powered off, and the VIP on the other one
  for (const r of results) {
    r.findings = [
      { host: 'lb1', problem: 'lb1 is powered off', cause: 'drill', explanation: 'the drill powered it off; a machine stays off until powered on', repair: 'hapb lab poweron lb1' },
      { host: 'VIP', problem: 'the VIP is on lb2, not on lb1', cause: 'drill', explanation: 'a consequence of the faults above', repair: 'none: back on lb1 5.2 s after the repairs above' },
    ];
  }
  return {
    schema: 'hapb-drill/1',
    lab: 'golden',
    startedAt: '2026-09-21T12:00:00.000Z',
    profiles: ['tutorial', 'hapb'],
    mode: 'healthy-start',
    results,
    pass: results.every((r) => r.pass),
  };
}
