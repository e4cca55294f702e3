/**
 * The drill's cross-check against nginx's own counters (stub_status): the
 * parsing of what a director prints, the comparison, the verdict, and the
 * scenario runner reading every director before and after the load.
 */
import { describe, expect, it } from 'vitest';
import {
  compareCounters,
  nginxCountersVerdict,
  parseReading,
  parseStubStatus,
  readingScript,
  type NginxReadings,
} from '../../src/drill/nginx-counters.js';
import { runScenario } from '../../src/drill/scenarios/run-scenario.js';
import type { LoadHandle } from '../../src/drill/lab-control.js';
import type { LoadOptions, RequestRecord } from '../../src/drill/types.js';
import type { Scenario } from '../../src/drill/scenarios/types.js';
import { MemoryLab } from '../golden/drill/memory-lab.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

// what nginx 1.22's stub_status prints (Debian bookworm), after `process PID:START`
const STUB = 'Active connections: 3 \nserver accepts handled requests\n 17 17 4242 \nReading: 0 Writing: 1 Waiting: 2 \n';

const ok = (n: number): RequestRecord[] =>
  Array.from({ length: n }, (_, seq) => ({ seq, scheduled: seq, started: seq, latency: 1, kind: 'ok' as const, status: 200 }));
const refused = (n: number, from: number): RequestRecord[] =>
  Array.from({ length: n }, (_, i) => ({ seq: from + i, scheduled: from + i, started: from + i, latency: 1, kind: 'refused' as const, code: 'ECONNREFUSED' }));

describe('reading nginx', () => {
  it('parses stub_status and the master process line', () => {
    expect(parseStubStatus(STUB)).toEqual({ active: 3, accepts: 17, handled: 17, requests: 4242 });
    expect(parseReading(`process 812:123456\n${STUB}`)).toEqual({ process: '812:123456', requests: 4242 });
  });

  it('refuses output that is not a reading', () => {
    expect(parseStubStatus('<html>404 Not Found</html>')).toBeUndefined();
    expect(parseReading(STUB)).toBeUndefined();
    expect(parseReading('process 812:1\ncurl: (7) Failed to connect')).toBeUndefined();
  });

  it('reads the page on the loopback only, at the given port', () => {
    expect(readingScript(8080)).toContain('http://127.0.0.1:8080/stub_status');
    expect(readingScript(8080)).toContain('/proc/$pid/stat');
  });
});

describe('the comparison', () => {
  const before: NginxReadings = { lb1: { process: '10:5', requests: 100 }, lb2: { process: '11:6', requests: 50 } };

  it('sums the directors and agrees when nginx counted at least every answered request', () => {
    const after: NginxReadings = { lb1: { process: '10:5', requests: 180 }, lb2: { process: '11:6', requests: 65 } };
    const records = [...ok(80), ...refused(5, 80)];
    expect(compareCounters(before, after, records)).toEqual({ counted: { lb1: 80, lb2: 15 }, notComparable: {}, nginxTotal: 95, answered: 80, sent: 85 });
    const v = nginxCountersVerdict(before, after, records);
    expect(v?.pass).toBe(true);
    expect(v?.informational).toBe(true);
    expect(v?.actual).toBe('nginx counted 95 (lb1 +80, lb2 +15); the drill: 80 answered of 85 sent; 15 more in nginx (health checks, exporter scrapes, requests cut off before an answer)');
  });

  it('reports a disagreement when nginx counted fewer requests than the drill got answers for', () => {
    const after: NginxReadings = { lb1: { process: '10:5', requests: 150 }, lb2: { process: '11:6', requests: 60 } };
    const v = nginxCountersVerdict(before, after, ok(80));
    expect(v?.pass).toBe(false);
    expect(v?.informational).toBe(true);
    expect(v?.actual).toContain('nginx counted 20 FEWER than the drill\'s answers: the counts disagree');
  });

  it('leaves out a director whose nginx restarted or could not be read, and then proves no shortfall', () => {
    const restarted: NginxReadings = { lb1: { process: '99:7', requests: 30 }, lb2: { process: '11:6', requests: 60 } };
    const v = nginxCountersVerdict(before, restarted, ok(80));
    expect(v?.pass).toBe(true);
    expect(v?.actual).toBe('nginx counted 10 (lb2 +10); the drill: 80 answered of 80 sent; not compared: lb1: nginx restarted during the scenario (its counter started again)');
    // same PID after a reboot, but another start time: still a restart
    expect(compareCounters(before, { ...restarted, lb1: { process: '10:9', requests: 500 } }, ok(1)).notComparable).toHaveProperty('lb1');
    const off = nginxCountersVerdict(before, { lb1: undefined, lb2: { process: '11:6', requests: 60 } }, ok(1));
    expect(off?.actual).toContain('lb1: no reading after the load (nginx or the machine down)');
  });

  it('gives no verdict when no director serves stub_status', () => {
    expect(nginxCountersVerdict({ lb1: undefined, lb2: undefined }, { lb1: undefined, lb2: undefined }, ok(3))).toBeUndefined();
  });
});

/** MemoryLab whose VIP holder counts each answered request, plus `background` requests of its own per reading */
class CountingLab extends MemoryLab {
  counts: Record<string, number> = { lb1: 1000, lb2: 2000 };
  readings = 0;
  constructor(
    clock: VirtualClock,
    private readonly background: number,
    private readonly lose = 0,
  ) {
    super(100, clock);
  }
  override startLoad(opts: LoadOptions): LoadHandle {
    const h = super.startLoad(opts);
    let lost = 0;
    h.onRecord((r) => {
      const holder = this.holders[0];
      if (r.status === undefined || !holder) return;
      if (lost < this.lose) lost++;
      else this.counts[holder] = (this.counts[holder] ?? 0) + 1;
    });
    return h;
  }
  async nginxCounters(): Promise<NginxReadings> {
    this.readings++;
    for (const h of Object.keys(this.counts)) this.counts[h] = (this.counts[h] ?? 0) + this.background;
    return { lb1: { process: '1:1', requests: this.counts['lb1'] ?? 0 }, lb2: { process: '2:2', requests: this.counts['lb2'] ?? 0 } };
  }
}

const steady: Scenario = { name: 'steady', description: 'load only', durationMs: 500, run: async () => undefined, verdicts: () => [] };
const opts = { rate: 100, timeoutMs: 1000, keepalive: 0, vipPollMs: 20, settleMs: 0, heal: { graceMs: 100, vipMs: 2000, stableMs: 50, pollMs: 20 } };

describe('runScenario cross-checks against nginx', () => {
  it('reads every director before and after the load and reports the sum against its answers', async () => {
    const clock = new VirtualClock();
    const lab = new CountingLab(clock, 2);
    const r = await runScenario(lab, steady, 'hapb', {}, { ...opts, clock });
    expect(lab.readings).toBe(2);
    const answered = r.records.filter((x) => x.status !== undefined).length;
    expect(answered).toBeGreaterThan(20);
    const v = r.verdicts.find((x) => x.id === 'nginx-counters');
    // the second reading adds 2 per director of background
    expect(v?.actual).toContain(`nginx counted ${answered + 4} `);
    expect(v?.actual).toContain(`the drill: ${answered} answered of ${r.records.length} sent; 4 more in nginx`);
    expect(v?.pass).toBe(true);
    expect(r.pass).toBe(true);
  });

  it('a shortfall is reported, and being informational does not fail the scenario', async () => {
    const clock = new VirtualClock();
    const lab = new CountingLab(clock, 0, 7);
    const r = await runScenario(lab, steady, 'hapb', {}, { ...opts, clock });
    const v = r.verdicts.find((x) => x.id === 'nginx-counters');
    expect(v?.pass).toBe(false);
    expect(v?.actual).toContain('nginx counted 7 FEWER');
    expect(r.pass).toBe(true);
  });

  it('a lab without counters (not up with --monitor) gets no such verdict', async () => {
    const clock = new VirtualClock();
    const r = await runScenario(new MemoryLab(100, clock), steady, 'hapb', {}, { ...opts, clock });
    expect(r.verdicts.some((x) => x.id === 'nginx-counters')).toBe(false);
  });
});
