import { describe, expect, it } from 'vitest';
import {
  allBackendsAnswered,
  backendAbsent,
  backendPresent,
  holdersAt,
  maxLatencyWithin,
  noFailedRequests,
  splitBrainMs,
  vipAwayAtEnd,
  vipHeldAtEnd,
  vipMoveDelay,
  vipMovedWithin,
} from '../../src/drill/assertions.js';
import { describeFailures, percentile, summarize, synRetransOf } from '../../src/drill/summary.js';
import type { RequestRecord, TimelineEvent } from '../../src/drill/types.js';

function rec(seq: number, started: number, latency: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return { seq, scheduled: started, started, latency, kind: 'ok', status: 200, backend: seq % 2 ? 'web2' : 'web1', ...extra };
}
const refused = (seq: number, t: number): RequestRecord => ({ seq, scheduled: t, started: t, latency: 1, kind: 'refused', code: 'ECONNREFUSED' });

const vip = (t: number, holders: string[]): TimelineEvent => ({ t, kind: 'vip', label: '', holders });
const moved: TimelineEvent[] = [vip(0, ['lb1']), { t: 2000, kind: 'fault', label: 'lb1 off' }, vip(2050, []), vip(2330, ['lb2'])];

describe('summary', () => {
  it('counts kinds, backends, retries and percentiles', () => {
    const records = [rec(0, 0, 2), rec(1, 10, 4), rec(2, 20, 900, { retriedAfter: 'ECONNRESET' }), refused(3, 30), rec(4, 45, 3)];
    const s = summarize(records);
    expect(s).toMatchObject({ total: 5, ok: 4, failed: 1, retries: 1, byKind: { ok: 4, refused: 1 }, byBackend: { web1: 3, web2: 1 } });
    expect(s.max).toBe(900);
    expect(s.p50).toBe(3);
    expect(describeFailures(s)).toBe('1 refused');
  });

  it.each([
    [[], 50, 0],
    [[5], 99, 5],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 99, 4],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
  ])('percentile of %j at p%i is %i', (xs, p, want) => {
    expect(percentile(xs, p)).toBe(want);
  });

  it('reports the largest start lag', () => {
    expect(summarize([{ ...rec(0, 0, 1), started: 12.5 }]).maxStartLag).toBe(12.5);
  });

  it('counts the requests whose connect waited for a SYN retransmit (≥ 950 ms), and those over 250 ms', () => {
    const s = summarize([
      rec(0, 100, 3, { connected: 101 }),
      // the first SYN went unanswered: connected ~1 s later, answered (ok) or not
      rec(1, 100, 1010, { connected: 1105 }),
      { ...refused(2, 100), latency: 1400, connected: 1300 },
      // slow, but its connect was quick: not a SYN retransmit
      rec(3, 100, 2000, { connected: 102 }),
      // just under the threshold (949 ms)
      rec(4, 100, 960, { connected: 1049 }),
      // never connected
      rec(5, 100, 5000),
    ]);
    expect(s.synRetransmitDelayed).toBe(2);
    expect(s.over250ms).toBe(5);
  });
});

describe('verdicts', () => {
  it('failed requests: 0 passes, any failure fails and says which kind', () => {
    expect(noFailedRequests([rec(0, 0, 1)]).pass).toBe(true);
    const v = noFailedRequests([rec(0, 0, 1), refused(1, 10), refused(2, 20)]);
    expect(v).toMatchObject({ pass: false, actual: '2 (2 refused)' });
  });

  it('failover latency looks only inside the window', () => {
    const records = [rec(0, 100, 3000), rec(1, 2100, 1040), rec(2, 2500, 3)];
    expect(maxLatencyWithin(records, { from: 2000, to: 7000 })).toMatchObject({ pass: true, actual: expect.stringContaining('1.04 s') });
    expect(maxLatencyWithin(records, { from: 0, to: 7000 }).pass).toBe(false);
    expect(maxLatencyWithin([], { from: 0, to: 1 }).pass).toBe(false);
  });

  it('failover latency over the limit says where the request waited', () => {
    const slow = { ...rec(7, 2460, 2920), scheduled: 2400, connected: 3470, sent: 3471 };
    const v = maxLatencyWithin([slow], { from: 2000, to: 7000 });
    expect(v.pass).toBe(false);
    expect(v.actual).toBe('2.92 s (request #7 at 2.46 s: started 60 ms late, connected after 1.01 s, answered 1.91 s after it was sent)');
    // within the limit the text stays short
    expect(maxLatencyWithin([{ ...slow, latency: 1040 }], { from: 2000, to: 7000 }).actual).toBe('1.04 s (request #7 at 2.46 s)');
  });

  it('VIP move time is from the fault to the other director holding it', () => {
    expect(vipMoveDelay(moved, 2000, 'lb1')).toBe(330);
    expect(vipMovedWithin(moved, 2000, 'lb1')).toMatchObject({ pass: true, actual: '330 ms' });
    expect(vipMovedWithin(moved, 2000, 'lb1', 300).pass).toBe(false);
    expect(vipMovedWithin([vip(0, ['lb1'])], 2000, 'lb1')).toMatchObject({ pass: false, actual: 'never' });
  });

  it.each([
    [moved, 1000, ['lb1']],
    [moved, 2100, []],
    [moved, 9000, ['lb2']],
  ])('holders at t', (events, t, want) => {
    expect(holdersAt(events, t)).toEqual(want);
  });

  it('VIP holder at the end: exactly one, optionally not a given one', () => {
    expect(vipHeldAtEnd(moved, 10_000)).toMatchObject({ pass: true, actual: 'lb2' });
    expect(vipHeldAtEnd(moved, 10_000, 'lb1').pass).toBe(false);
    expect(vipAwayAtEnd(moved, 10_000, 'lb1').pass).toBe(true);
    expect(vipAwayAtEnd(moved, 10_000, 'lb2').pass).toBe(false);
    const both = [vip(0, ['lb1']), vip(3000, ['lb1', 'lb2'])];
    expect(vipHeldAtEnd(both, 10_000)).toMatchObject({ pass: false, actual: 'lb1 + lb2' });
  });

  it('split brain duration adds up the time two directors held the VIP', () => {
    const ev = [vip(0, ['lb1']), vip(2000, ['lb1', 'lb2']), vip(5000, ['lb1']), vip(8000, ['lb1', 'lb2'])];
    expect(splitBrainMs(ev, 9000)).toBe(4000);
    expect(splitBrainMs(moved, 9000)).toBe(0);
  });

  it('backends: absent after a stop, present after a start, all answered', () => {
    const records = [rec(0, 0, 1), rec(1, 10, 1), rec(3, 3000, 1), rec(5, 3010, 1)];
    expect(backendAbsent(records, 'web1', 2000, 9000).pass).toBe(true);
    expect(backendAbsent(records, 'web2', 2000, 9000).pass).toBe(false);
    expect(backendAbsent([], 'web1', 0, 9000).pass).toBe(false); // nobody answering is no proof
    expect(backendPresent(records, 'web1', 0, 100).pass).toBe(true);
    expect(backendPresent(records, 'web1', 2000, 9000).pass).toBe(false);
    expect(allBackendsAnswered(records, ['web1', 'web2']).pass).toBe(true);
    expect(allBackendsAnswered(records, ['web1', 'web2', 'web3'])).toMatchObject({ pass: false });
  });
});

describe('VIP watcher', () => {
  it('records the first holders, then each change; a wake-up checks at once instead of waiting for the poll', async () => {
    const { watchVip } = await import('../../src/drill/vip-watcher.js');
    let holders = ['lb1'];
    let wake: () => void = () => undefined;
    let unsubscribed = false;
    const events: TimelineEvent[] = [];
    let t = 0;
    const w = watchVip(
      async () => holders,
      () => t,
      (e) => events.push(e),
      60_000,
      (cb) => {
        wake = cb;
        return () => (unsubscribed = true);
      },
    );
    await new Promise((r) => setTimeout(r, 20));
    holders = ['lb1', 'lb2'];
    t = 2000;
    wake();
    await new Promise((r) => setTimeout(r, 20));
    holders = ['lb2'];
    t = 3000;
    wake();
    await new Promise((r) => setTimeout(r, 20));
    await w.stop();
    expect(events).toEqual([
      { t: 0, kind: 'vip', label: 'VIP on lb1', holders: ['lb1'] },
      { t: 2000, kind: 'vip', label: 'VIP on lb1 + lb2 (split brain)', holders: ['lb1', 'lb2'], from: ['lb1'] },
      { t: 3000, kind: 'vip', label: 'VIP on lb2', holders: ['lb2'], from: ['lb1', 'lb2'] },
    ]);
    expect(unsubscribed).toBe(true);
  });

  it("a change a wake-up finds is stamped with the wake's time, not the end of the slow look; a poll's with the look's end", async () => {
    const { watchVip } = await import('../../src/drill/vip-watcher.js');
    let holders = ['lb1'];
    let wake: () => void = () => undefined;
    const events: TimelineEvent[] = [];
    let t = 0;
    let polls = 0;
    const w = watchVip(
      async () => {
        polls++;
        const h = holders;
        t += 40; // reading the holders takes 40 ms
        await new Promise((r) => setTimeout(r, 5));
        return h;
      },
      () => t,
      (e) => events.push(e),
      60_000,
      (cb) => {
        wake = cb;
        return () => undefined;
      },
    );
    await new Promise((r) => setTimeout(r, 20));
    holders = ['lb2'];
    t = 2000;
    wake();
    await new Promise((r) => setTimeout(r, 30));
    await w.stop();
    expect(polls).toBe(2);
    expect(events.map((e) => [e.t, e.label])).toEqual([
      [40, 'VIP on lb1'],
      [2000, 'VIP on lb2'],
    ]);
  });
});

describe('VIP watcher poll', () => {
  it('polls every 100 ms by default, every 500 ms when address changes wake it', async () => {
    const { watchVip } = await import('../../src/drill/vip-watcher.js');
    const sleepsOf = async (subscribe?: (wake: () => void) => () => void): Promise<number[]> => {
      const sleeps: number[] = [];
      const clock = { now: () => 0, sleep: (ms: number) => {
          sleeps.push(ms);
          return new Promise<void>((r) => setTimeout(r, 1));
        },
      };
      const w = watchVip(async () => ['lb1'], () => 0, () => undefined, undefined, subscribe, clock);
      await new Promise((r) => setTimeout(r, 5));
      await w.stop();
      return sleeps;
    };
    expect((await sleepsOf())[0]).toBe(100);
    expect((await sleepsOf(() => () => undefined))[0]).toBe(500);
  });
});

describe('the client kernel\'s SYN retransmits', () => {
  it('reads TcpExt TCPSynRetrans from /proc/net/netstat', () => {
    const netstat = [
      'TcpExt: SyncookiesSent SyncookiesRecv TCPSynRetrans TCPOrigDataSent',
      'TcpExt: 0 0 17 4242',
      'IpExt: InNoRoutes InTruncatedPkts',
      'IpExt: 0 0',
      '',
    ].join('\n');
    expect(synRetransOf(netstat)).toBe(17);
    expect(synRetransOf('IpExt: InNoRoutes\nIpExt: 0\n')).toBeUndefined();
  });
});
