import { describe, expect, it } from 'vitest';
import { lostWithDeathReport, maxLatencyWithin, noFailedRequests } from '../../src/drill/assertions.js';
import { deathOf, deathsVerdicts, exitSpreadOf, markLostWithDeath, NGINX_EXIT_SPREAD_MS, tallyDeaths } from '../../src/drill/deaths.js';
import { summarize } from '../../src/drill/summary.js';
import type { Death, RequestRecord, TimelineEvent } from '../../src/drill/types.js';

const vip = (t: number, holders: string[]): TimelineEvent => ({ t, kind: 'vip', label: '', holders });
// lb1 holds the VIP, dies at ~2000-2010, lb2 holds it from 2330
const events: TimelineEvent[] = [vip(0, ['lb1']), vip(2060, []), vip(2330, ['lb2'])];
const deaths: Death[] = [{ from: 2000, t: 2010, host: 'lb1', what: 'power lost' }];

function req(seq: number, started: number, latency: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return { seq, scheduled: started, started, latency, kind: 'ok', ...extra };
}
const failed = (seq: number, started: number, latency: number, connected: number | undefined, kind: RequestRecord['kind'] = 'timeout'): RequestRecord =>
  req(seq, started, latency, { kind, ...(connected !== undefined ? { connected, sent: connected + 0.1 } : {}) });

describe('requests that died with a director', () => {
  it.each([
    ['connected to the holder before the death, failed after it', failed(1, 1998, 5000, 1998.5), 'lb1'],
    ['reset by the dying nginx a few ms after the kill', failed(2, 2001, 6, 2001.4, 'reset'), 'lb1'],
    ['connected within the bound (the fault was still being made)', failed(3, 2008, 5000, 2009), 'lb1'],
    ['never connected (its SYN was lost): savable by a SYN retransmit', failed(4, 1999, 5000, undefined), undefined],
    ['connected after the upper bound', failed(5, 2011, 5000, 2012), undefined],
    ['begun before the bound, its connect stamped late by a busy client', failed(9, 2009, 80, 2070, 'reset'), 'lb1'],
    ['begun before the bound, connected by the SYN retransmit (to the new holder)', failed(10, 2005, 1100, 3005, 'reset'), undefined],
    ['reset before the client stamped its connection (a reset, not a refusal: it was established)', { ...failed(13, 2003, 4.2, undefined, 'reset'), code: 'ECONNRESET' }, 'lb1'],
    ['refused before any connection', { ...failed(14, 2003, 4.2, undefined, 'refused'), code: 'ECONNREFUSED' }, undefined],
    ['closed before any stamp, not a TCP reset (undici: other side closed)', { ...failed(17, 2003, 4.2, undefined, 'reset'), code: 'UND_ERR_SOCKET' }, undefined],
    ['reset without a stamp, begun after the bound', { ...failed(15, 2012, 4, undefined, 'reset'), code: 'ECONNRESET' }, undefined],
    ['reset without a stamp, after a SYN retransmit', { ...failed(16, 2005, 1100, undefined, 'reset'), code: 'ECONNRESET' }, undefined],
    ['connected to the new holder', failed(6, 2400, 30, 2400.5, 'reset'), undefined],
    ['failed before the fault began', failed(7, 1990, 5, 1990.5, 'reset'), undefined],
    ['succeeded', req(8, 1999, 1200, { connected: 1999.3 }), undefined],
  ])('%s', (_what, r, expected) => {
    expect(deathOf(r, events, deaths)?.host).toBe(expected);
  });

  it('never marks a request while the VIP was on another director', () => {
    const elsewhere: TimelineEvent[] = [vip(0, ['lb2'])];
    expect(deathOf(failed(1, 1998, 5000, 1998.5), elsewhere, deaths)).toBeUndefined();
    // a keep-alive request begun on lb1's watch, on a connection made earlier to lb2
    const handedBack: TimelineEvent[] = [vip(0, ['lb2']), vip(1800, ['lb1'])];
    expect(deathOf(failed(12, 2009, 80, 1500, 'reset'), handedBack, deaths)).toBeUndefined();
    // also one stamped late: begun before the bound, but the VIP was on lb2
    expect(deathOf(failed(11, 2009, 80, 2070, 'reset'), elsewhere, deaths)).toBeUndefined();
  });

  it('with several VIPs, judges a request by the holders of its own VIP', () => {
    // active-active: lb1 holds .150, lb2 holds .151 (its event is the later one)
    const two: TimelineEvent[] = [
      { t: 41, kind: 'vip', label: '', holders: ['lb1'], vip: '10.0.0.150' },
      { t: 46, kind: 'vip', label: '', holders: ['lb2'], vip: '10.0.0.151' },
      { t: 2180, kind: 'vip', label: '', holders: [], vip: '10.0.0.150' },
      { t: 2295, kind: 'vip', label: '', holders: ['lb3'], vip: '10.0.0.150' },
    ];
    const killed: Death[] = [{ from: 2053, t: 2148, host: 'lb1', what: 'nginx killed' }];
    // the drill's record from the active-active lab: a reset 2 ms after connecting to lb1 through .150
    const through150 = { ...failed(428, 2140.46, 2.89, 2142.53, 'reset'), vip: '10.0.0.150' };
    expect(deathOf(through150, two, killed)?.host).toBe('lb1');
    // the same failure through .151 (held by lb2 all along) never died with lb1
    expect(deathOf({ ...through150, vip: '10.0.0.151' }, two, killed)).toBeUndefined();
  });

  it('marks records, and the verdicts judge only the others', () => {
    const records = [
      req(0, 1990, 2, { connected: 1990.2 }),
      failed(1, 1999, 5000, 1999.2),
      failed(2, 2500, 5000, 2500.3),
      req(3, 2600, 2000, { connected: 2601 }),
    ];
    expect(markLostWithDeath(records, events, deaths)).toBe(1);
    expect(records.map((r) => r.lostWith)).toEqual([undefined, 'lb1', undefined, undefined]);
    expect(summarize(records)).toMatchObject({ failed: 2, lostWithDeath: 1 });
    const v = noFailedRequests(records);
    expect(v.pass).toBe(false);
    expect(v.actual).toMatch(/^1 \(1 timeout\); besides, 1 died inside a dying director/);
    expect(lostWithDeathReport(records)).toMatchObject({ pass: true, informational: true });
    expect(lostWithDeathReport(records).actual).toMatch(/^1: #1 timeout on lb1/);
    // the latency verdict leaves the lost request out, not the slow one that was answered
    const lat = maxLatencyWithin(records, { from: 1900, to: 7000 });
    expect(lat.actual).toMatch(/^5\.00 s \(request #2/);
  });

  it('passes when the only failures died with the director', () => {
    const records = [req(0, 1990, 2, { connected: 1990.2 }), failed(1, 1999, 5000, 1999.2)];
    markLostWithDeath(records, events, deaths);
    expect(noFailedRequests(records)).toMatchObject({ pass: true });
    expect(noFailedRequests(records).actual).toContain('0; besides, 1 died');
  });

  describe('a hang (untilVipTaken): the kernel accepts for the frozen nginx until another director takes the VIP', () => {
    // lb1 hangs at 2000 (stamped 2010); the VIP leaves its interface at 2480, lb2 takes it at 2560
    const hungEvents: TimelineEvent[] = [vip(0, ['lb1']), vip(2480, []), vip(2560, ['lb2'])];
    const hang: Death[] = [{ from: 2000, t: 2010, host: 'lb1', what: 'nginx hung', untilVipTaken: true }];
    it.each([
      ['connected before the hang', failed(1, 1999, 5000, 1999.5), 'lb1'],
      ['connected to the hung director after the stamp, before the VIP left', failed(2, 2300, 5000, 2300.4), 'lb1'],
      ['connected just before the VIP left', failed(3, 2479, 5000, 2479.6), 'lb1'],
      ['connected while no interface had the VIP (clients still reach lb1: ARP, the VIP on its lo)', failed(4, 2500, 5000, 2500.5), 'lb1'],
      ['failed before the hang, while nobody held the VIP earlier', failed(6, 1000, 5, 1000.5, 'reset'), undefined],
      ['connected to the new holder', failed(5, 2600, 5000, 2600.2), undefined],
    ])('%s', (_what, r, expected) => {
      expect(deathOf(r, hungEvents, hang)?.host).toBe(expected);
    });
    it('the same death without untilVipTaken ends at its stamp', () => {
      const asDeath: Death[] = [{ from: 2000, t: 2010, host: 'lb1', what: 'nginx killed' }];
      expect(deathOf(failed(2, 2300, 5000, 2300.4), hungEvents, asDeath)).toBeUndefined();
    });
    it('a VIP that nobody took bounds nothing beyond the stamp', () => {
      expect(deathOf(failed(2, 2300, 5000, 2300.4), [vip(0, ['lb1'])], hang)).toBeUndefined();
    });
  });

  describe('each death holds only what was inside the director at one instant of it', () => {
    it('requests in flight together are tallied with their death, and the verdict passes', () => {
      // the kill lands in 2000-2010: #1 and #2 were both inside lb1 at 2001-2005
      const records = [req(0, 1990, 2, { connected: 1990.2 }), failed(1, 1998, 3000, 1998.2), failed(2, 2001, 4, 2001.2, 'reset'), req(3, 2400, 3, { connected: 2400.1 })];
      markLostWithDeath(records, events, deaths);
      const [t] = tallyDeaths(records, events, deaths);
      expect(t?.lost.map((r) => r.seq)).toEqual([1, 2]);
      expect(t?.together).toEqual({ from: 2001, to: 2005 });
      expect(deathsVerdicts(records, events, deaths)).toEqual([
        expect.objectContaining({ id: 'lost-with-death-at-one-instant', pass: true, actual: '1 death, at most 2 requests with one' }),
      ]);
    });

    it('fails when two marked requests never were in flight together: one ended before the other began', () => {
      // both fall in the death's window, but #1 was reset at 2001.5 and #2 began at 2005
      const records = [failed(1, 1999, 2.5, 1999.2, 'reset'), failed(2, 2005, 3, 2005.4, 'reset')];
      markLostWithDeath(records, events, deaths);
      expect(records.map((r) => r.lostWith)).toEqual(['lb1', 'lb1']);
      expect(tallyDeaths(records, events, deaths)[0]?.together).toBeUndefined();
      const [v] = deathsVerdicts(records, events, deaths);
      expect(v?.pass).toBe(false);
      expect(v?.actual).toBe('power lost on lb1 at 2.000 s: #2 began at 2.005 s, after #1 ended at 2.002 s');
    });

    it("nginx killed: its processes die one by one, so its requests may miss one instant by up to the exit spread, no more", () => {
      const kill: Death[] = [{ from: 2000, t: 2200, host: 'lb1', what: 'nginx killed' }];
      const killEvents = [vip(0, ['lb1']), vip(2500, ['lb2'])];
      // as seen over SSH on a busy box: #1 reset by its worker's exit at 2052.75, #2 began at 2052.97 and was reset by the last exit
      const close = [failed(1, 2045.16, 7.59, 2047.44, 'reset'), failed(2, 2052.97, 7.27, 2053.61, 'reset')];
      markLostWithDeath(close, killEvents, kill);
      expect(close.map((r) => r.lostWith)).toEqual(['lb1', 'lb1']);
      expect(tallyDeaths(close, killEvents, kill)[0]?.together).toEqual({ from: 2052.97, to: 2052.75 });
      expect(deathsVerdicts(close, killEvents, kill)[0]?.pass).toBe(true);
      // 30 ms apart is more than a kill's spread: the marking took in too much
      const far = [failed(1, 2045, 5, 2045.2, 'reset'), failed(2, 2080, 5, 2080.2, 'reset')];
      markLostWithDeath(far, killEvents, kill);
      expect(tallyDeaths(far, killEvents, kill)[0]?.together).toBeUndefined();
      expect(deathsVerdicts(far, killEvents, kill)[0]?.pass).toBe(false);
      // a power loss is one instant: no spread (the case above, 3.5 ms apart, fails)
      expect(exitSpreadOf({ from: 0, t: 1, host: 'lb1', what: 'power lost' })).toBe(0);
      expect(exitSpreadOf({ from: 0, t: 1, host: 'lb1', what: 'nginx stopped' })).toBe(NGINX_EXIT_SPREAD_MS);
    });

    it('takes a keep-alive request from its connection: opened before the death, the request sent on it after', () => {
      // #1 in flight at 2001-2003; #2 sent at 2008 on a connection opened at 1500, answered by nothing (power lost)
      const records = [failed(1, 2001, 2, 2001.1, 'reset'), failed(2, 2008, 5000, 1500)];
      markLostWithDeath(records, events, deaths);
      expect(records.map((r) => r.lostWith)).toEqual(['lb1', 'lb1']);
      expect(tallyDeaths(records, events, deaths)[0]?.together).toEqual({ from: 2001, to: 2003 });
    });

    it('tallies each request with its own death when a director dies again', () => {
      const twice: Death[] = [
        { from: 2000, t: 2010, host: 'lb1', what: 'nginx killed' },
        { from: 3000, t: 3010, host: 'lb1', what: 'nginx killed' },
      ];
      const records = [failed(1, 1999, 3, 1999.1, 'reset'), failed(2, 2999, 4, 2999.1, 'reset'), failed(3, 3001, 3, 3001.1, 'reset')];
      markLostWithDeath(records, [vip(0, ['lb1'])], twice);
      const tallies = tallyDeaths(records, [vip(0, ['lb1'])], twice);
      expect(tallies.map((x) => x.lost.map((r) => r.seq))).toEqual([[1], [2, 3]]);
      expect(deathsVerdicts(records, [vip(0, ['lb1'])], twice)[0]).toMatchObject({ pass: true, actual: '2 deaths, at most 2 requests with one' });
    });

    it('holds a hang to nothing of the kind (it lets requests in until the VIP moves), and says nothing without a death', () => {
      const hang: Death[] = [{ from: 2000, t: 2010, host: 'lb1', what: 'nginx hung', untilVipTaken: true }];
      const records = [failed(1, 2001, 5000, 2001.1), failed(2, 2040, 5000, 2040.1)];
      markLostWithDeath(records, [vip(0, ['lb1']), vip(2300, ['lb2'])], hang);
      expect(records.filter((r) => r.lostWith).length).toBe(2);
      expect(deathsVerdicts(records, [vip(0, ['lb1']), vip(2300, ['lb2'])], hang)).toEqual([]);
      expect(deathsVerdicts(records, events, [])).toEqual([]);
    });
  });
});
