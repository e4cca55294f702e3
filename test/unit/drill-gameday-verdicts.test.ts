/**
 * The verdicts of two faults that are not clean deaths, on synthetic records:
 * a lossy link (timeouts TCP held up, after a retransmitted SYN or on a
 * connection seen waiting for a lost segment, are reported apart; any other
 * failure counts) and a hung nginx (the requests inside the frozen
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
const input = (records: RequestRecord[], events: TimelineEvent[] = [], facts: VerdictInput['facts'] = {}, tcpBackoff: VerdictInput['tcpBackoff'] = []): VerdictInput => ({
  records,
  events,
  windows: [],
  facts,
  durationMs: 20_000,
  lab: {} as LabControl,
  tcpBackoff,
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
    expect(byId(vs, 'lossy-tcp-timeouts')).toMatchObject({ actual: '1: #2', informational: true });
  });
  it.each(['lb-lossy', 'backend-lossy'])('%s: a timeout without a SYN retransmit, or a 502, still fails it', (name) => {
    const http: RequestRecord = { ...ok(4, 400), kind: 'http', status: 502 };
    const vs = scenario(name).verdicts(input([ok(1, 100), timeout(2, 200, 0.4), http]));
    expect(byId(vs, 'failed-requests')).toMatchObject({ pass: false });
    expect(byId(vs, 'failed-requests').actual).toMatch(/^2 /);
    expect(byId(vs, 'lossy-tcp-timeouts').actual).toBe('0');
  });
  it('lb-lossy: a timeout on a connection seen waiting for a lost segment while it was in flight is reported apart', () => {
    // #2 connected at once (port 41000); the director's socket for it was in backoff at 3.2 s
    const t2 = { ...timeout(2, 200, 0.4), port: 41000 };
    const seen = [{ t: 3200, port: 41000, host: 'lb1', backoff: 3, unackedMs: 0 }];
    const vs = scenario('lb-lossy').verdicts(input([ok(1, 100), t2], [], {}, seen));
    expect(byId(vs, 'failed-requests').pass).toBe(true);
    expect(byId(vs, 'lossy-tcp-timeouts').actual).toBe('1: #2');
  });
  it('lb-lossy: a sighting of another connection, or of this port outside the request\'s life, sets nothing apart', () => {
    const t2 = { ...timeout(2, 200, 0.4), port: 41000 };
    for (const seen of [[{ t: 3200, port: 41001, host: 'lb1', backoff: 3, unackedMs: 0 }], [{ t: 5300, port: 41000, host: 'client', backoff: 1, unackedMs: 0 }], [{ t: 150, port: 41000, host: 'lb1', backoff: 2, unackedMs: 0 }]]) {
      const vs = scenario('lb-lossy').verdicts(input([ok(1, 100), t2], [], {}, seen));
      expect(byId(vs, 'failed-requests').pass, JSON.stringify(seen)).toBe(false);
    }
    // a 502 is never TCP's doing, whatever was seen
    const http: RequestRecord = { ...ok(4, 400), kind: 'http', status: 502, port: 41000 };
    const vs = scenario('lb-lossy').verdicts(input([http], [], {}, [{ t: 401, port: 41000, host: 'lb1', backoff: 1, unackedMs: 0 }]));
    expect(byId(vs, 'failed-requests').pass).toBe(false);
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
