/**
 * The verdicts of two faults that are not clean deaths, on synthetic records:
 * a lossy link (timeouts after a retransmitted SYN are reported apart, any
 * other failure counts) and a hung nginx (the requests inside the frozen
 * director are reported apart, and the detection time is judged).
 */
import { describe, expect, it } from 'vitest';
import { markLostWithDeath } from '../../src/drill/deaths.js';
import { gamedayScenarios } from '../../src/drill/gameday/scenarios.js';
import type { LabControl } from '../../src/drill/lab-control.js';
import type { VerdictInput } from '../../src/drill/scenarios/types.js';
import type { Death, RequestRecord, TimelineEvent, Verdict } from '../../src/drill/types.js';

const scenario = (name: string) => {
  const s = gamedayScenarios.find((x) => x.name === name);
  if (!s) throw new Error(name);
  return s;
};
const ok = (seq: number, started: number): RequestRecord => ({ seq, scheduled: started, started, latency: 3, kind: 'ok', connected: started + 0.5 });
const timeout = (seq: number, started: number, connectAfter: number): RequestRecord => ({
  seq,
  scheduled: started,
  started,
  latency: 5000,
  kind: 'timeout',
  connected: started + connectAfter,
});
const input = (records: RequestRecord[], events: TimelineEvent[] = [], facts: VerdictInput['facts'] = {}): VerdictInput => ({
  records,
  events,
  windows: [],
  facts,
  durationMs: 20_000,
  lab: {} as LabControl,
});
const byId = (vs: Verdict[], id: string): Verdict => {
  const v = vs.find((x) => x.id === id);
  if (!v) throw new Error(`no verdict ${id}: ${vs.map((x) => x.id).join(', ')}`);
  return v;
};

describe('lossy link verdicts', () => {
  it.each(['lb-lossy', 'backend-lossy'])('%s: a timeout after a retransmitted SYN is reported apart; the run passes', (name) => {
    const vs = scenario(name).verdicts(input([ok(1, 100), timeout(2, 200, 1002), ok(3, 300)]));
    expect(byId(vs, 'failed-requests').pass).toBe(true);
    expect(byId(vs, 'lossy-syn-retransmit-timeouts')).toMatchObject({ actual: '1: #2', informational: true });
  });
  it.each(['lb-lossy', 'backend-lossy'])('%s: a timeout without a SYN retransmit, or a 502, still fails it', (name) => {
    const http: RequestRecord = { ...ok(4, 400), kind: 'http', status: 502 };
    const vs = scenario(name).verdicts(input([ok(1, 100), timeout(2, 200, 0.4), http]));
    expect(byId(vs, 'failed-requests')).toMatchObject({ pass: false });
    expect(byId(vs, 'failed-requests').actual).toMatch(/^2 /);
    expect(byId(vs, 'lossy-syn-retransmit-timeouts').actual).toBe('0');
  });
});

describe('hung nginx verdicts', () => {
  const vip = (t: number, holders: string[]): TimelineEvent => ({ t, kind: 'vip', label: '', holders });
  const hang: Death[] = [{ from: 2000, t: 2050, host: 'lb1', what: 'nginx hung', untilVipTaken: true }];
  const facts = { host: 'lb1', faultT: 2000 };
  it('the requests inside the frozen director are reported apart; the VIP leaving within 1 s passes', () => {
    const events = [vip(0, ['lb1']), { t: 2000, kind: 'fault' as const, label: 'nginx hung' }, vip(2300, []), vip(2350, ['lb2'])];
    const records = [ok(1, 1900), timeout(2, 2100, 0.4), timeout(3, 2320, 0.4), ok(4, 2400)];
    expect(markLostWithDeath(records, events, hang)).toBe(2);
    const vs = scenario('lb-nginx-hung').verdicts(input(records, events, facts));
    expect(byId(vs, 'failed-requests').pass).toBe(true);
    expect(byId(vs, 'lost-with-death').actual).toMatch(/^2: #2 timeout on lb1/);
    expect(byId(vs, 'vip-move')).toMatchObject({ pass: true });
  });
  it('a slow detection fails the scenario even though its requests are reported apart', () => {
    const events = [vip(0, ['lb1']), { t: 2000, kind: 'fault' as const, label: 'nginx hung' }, vip(3400, []), vip(3450, ['lb2'])];
    const records = [ok(1, 1900), timeout(2, 2100, 0.4), timeout(3, 3000, 0.4)];
    markLostWithDeath(records, events, hang);
    const vs = scenario('lb-nginx-hung').verdicts(input(records, events, facts));
    expect(byId(vs, 'failed-requests').pass).toBe(true);
    expect(byId(vs, 'vip-move')).toMatchObject({ pass: false });
  });
});
