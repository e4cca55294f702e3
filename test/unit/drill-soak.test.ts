/** The soak's plan (seeded, replayable, one fault at a time inside the duration), durations, the no-holder time. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration, REAL_HOST_SOAK_FAULTS, SOAK_FAULTS, soakPlan } from '../../src/drill/soak/plan.js';
import { noHolderMs, thin } from '../../src/drill/soak/run-soak.js';
import type { RequestRecord } from '../../src/drill/types.js';

describe('soak plan', () => {
  const o = { seed: 7, durationMs: 30 * 60_000, backends: 2 };
  it('the same seed gives the same plan; another seed another', () => {
    expect(soakPlan(o)).toEqual(soakPlan({ ...o }));
    expect(soakPlan({ ...o, seed: 8 })).not.toEqual(soakPlan(o));
  });
  it('one fault at a time, each with its hold, the heal estimate and a gap, all inside the duration', () => {
    const plan = soakPlan(o);
    expect(plan.length).toBeGreaterThan(40);
    for (let i = 1; i < plan.length; i++) {
      const prev = plan[i - 1];
      const cur = plan[i];
      if (!prev || !cur) continue;
      expect(cur.at - (prev.at + prev.holdMs)).toBeGreaterThanOrEqual(10_000 + 5000);
    }
    for (const p of plan) {
      expect(p.holdMs).toBeGreaterThanOrEqual(3000);
      expect(p.holdMs).toBeLessThanOrEqual(12_000);
      expect(p.at + p.holdMs + 10_000 + 10_000).toBeLessThanOrEqual(o.durationMs);
    }
  });
  it('draws from the whole catalog over a long soak; real hosts never get power or cable faults', () => {
    const kinds = new Set(soakPlan(o).map((p) => p.kind));
    expect([...kinds].sort()).toEqual([...SOAK_FAULTS].sort());
    const real = soakPlan({ ...o, faults: REAL_HOST_SOAK_FAULTS });
    expect(real.some((p) => p.kind === 'poweroff' || p.kind === 'cut')).toBe(false);
  });
  it('backend faults land on a backend, director faults on a director role', () => {
    for (const p of soakPlan(o)) {
      if (p.kind.startsWith('backend-')) expect(p.target.role).toBe('backend');
      if (p.kind.startsWith('nginx-') || p.kind.startsWith('keepalived-')) expect(p.target.role).not.toBe('backend');
      if (p.target.role === 'backend') expect(p.target.index).toBeLessThan(2);
    }
  });
  it('a 3-minute soak still has faults', () => {
    expect(soakPlan({ ...o, durationMs: 180_000 }).length).toBeGreaterThanOrEqual(3);
  });
});

describe('durations', () => {
  it.each([
    ['30m', 1_800_000],
    ['180s', 180_000],
    ['3m30s', 210_000],
    ['1h', 3_600_000],
    ['90', 90_000],
    ['250ms', 250],
  ])('%s', (v, ms) => expect(parseDuration(v)).toBe(ms));
  it('refuses garbage', () => {
    expect(() => parseDuration('30 minutes')).toThrow(/not a duration/);
    expect(() => parseDuration('')).toThrow();
  });
});

describe('soak figures', () => {
  it('time with no VIP holder', () => {
    const ev = [
      { t: 0, kind: 'vip' as const, label: '', holders: ['master'] },
      { t: 1000, kind: 'vip' as const, label: '', holders: [] },
      { t: 1300, kind: 'vip' as const, label: '', holders: ['backup'] },
      { t: 5000, kind: 'vip' as const, label: '', holders: [] },
    ];
    expect(noHolderMs(ev, 5500)).toBe(300 + 500);
  });
  it('thinning keeps every failure and slow request', () => {
    const recs: RequestRecord[] = Array.from({ length: 50_000 }, (_, seq) => ({ seq, scheduled: seq, started: seq, latency: seq === 77 ? 900 : 2, kind: seq === 12345 ? 'reset' : 'ok' }));
    const t = thin(recs, 10_000);
    expect(t.length).toBeLessThanOrEqual(10_002);
    expect(t.some((r) => r.seq === 77)).toBe(true);
    expect(t.some((r) => r.seq === 12345)).toBe(true);
  });
});

describe('two holders', () => {
  it('the longest stretch, not the total', async () => {
    const { longestTwoHoldersMs } = await import('../../src/drill/soak/run-soak.js');
    const ev = [
      { t: 0, kind: 'vip' as const, label: '', holders: ['master'] },
      { t: 1000, kind: 'vip' as const, label: '', holders: ['backup', 'master'] },
      { t: 1400, kind: 'vip' as const, label: '', holders: ['backup'] },
      { t: 3000, kind: 'vip' as const, label: '', holders: ['backup', 'master'] },
      { t: 3700, kind: 'vip' as const, label: '', holders: ['master'] },
    ];
    expect(longestTwoHoldersMs(ev, 9000)).toBe(700);
    expect(longestTwoHoldersMs([...ev, { t: 8000, kind: 'vip' as const, label: '', holders: ['backup', 'master'] }], 9500)).toBe(1500);
  });
});

describe('a 30-minute soak at 200 req/s: 360,000 records', () => {
  it('gives its figures and writes its report (no record list passed as call arguments)', async () => {
    const { soakFigures } = await import('../../src/drill/soak/run-soak.js');
    const { writeSoakReport } = await import('../../src/drill/soak/report.js');
    const durationMs = 30 * 60_000;
    const n = 200 * 1800;
    const records: RequestRecord[] = Array.from({ length: n }, (_, seq) => ({
      seq,
      scheduled: seq * 5,
      started: seq * 5,
      latency: seq === n - 1 ? 40 : 2,
      kind: seq === 1000 ? 'reset' : 'ok',
      ...(seq % 2 === 0 ? { backend: 'web1' } : { backend: 'web2' }),
    }));
    const plan = soakPlan({ seed: 15, durationMs, faults: SOAK_FAULTS, backends: 2 });
    const faults = plan.slice(0, 2).map((p, i) => ({
      n: p.n, kind: p.kind, target: 'x', host: 'web1', label: `#${p.n}`, t: i * 60_000, undoneT: i * 60_000 + 5000, healedT: i * 60_000 + 6000,
      requests: 0, failed: 0, lostWithDeath: 0, slowestMs: 0, vipChanges: 0, findings: [],
    }));
    const events = [{ t: 0, kind: 'vip' as const, label: '', holders: ['master'] }];
    const load = { url: 'http://192.0.2.1/', rate: 200, timeoutMs: 5000, durationMs, keepalive: 0 };
    const r = soakFigures({ target: 't', opts: { seed: 15, profile: 'hapb', rate: 200, keepalive: 0, durationMs }, plan, startedAt: '', t0: 0, load, records, events, deaths: [], faults });
    expect(r.durationMs).toBe((n - 1) * 5 + 40);
    expect(r.summary.total).toBe(n);
    expect(r.failedOutside).toBe(1);
    expect(r.faults.map((f) => f.requests)).toEqual([12_000, n - 12_000]);
    const dir = mkdtempSync(join(tmpdir(), 'hapb-soak-'));
    try {
      const files = await writeSoakReport(dir, r);
      expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['report.md', 'report.json', 'soak.svg']);
      expect(readFileSync(join(dir, 'soak.svg'), 'utf8')).toContain('</svg>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what a fault does to a director, as the soak counts it', () => {
  it('a hang counts (and is judged) only on the VIP holder; deaths on any director; nothing on a backend', async () => {
    const { soakDeath } = await import('../../src/drill/soak/run-soak.js');
    expect(soakDeath({ kind: 'nginx-hung', target: { role: 'holder' } }, true)).toEqual({ what: 'nginx hung', untilVipTaken: true });
    expect(soakDeath({ kind: 'nginx-hung', target: { role: 'standby' } }, true)).toBeUndefined();
    expect(soakDeath({ kind: 'nginx-killed', target: { role: 'standby' } }, true)).toEqual({ what: 'nginx killed' });
    expect(soakDeath({ kind: 'poweroff', target: { role: 'holder' } }, true)).toEqual({ what: 'power lost' });
    expect(soakDeath({ kind: 'poweroff', target: { role: 'backend', index: 0 } }, false)).toBeUndefined();
    expect(soakDeath({ kind: 'keepalived-killed', target: { role: 'holder' } }, true)).toBeUndefined();
  });
});

describe('a lossy link in a soak', () => {
  it('sets apart the timeouts TCP held up while the link was lossy, as lb-lossy does; any other failure counts', async () => {
    const { soakFigures } = await import('../../src/drill/soak/run-soak.js');
    const durationMs = 60_000;
    const ok = (seq: number, started: number): RequestRecord => ({ seq, scheduled: started, started, latency: 2, kind: 'ok', connected: started + 0.3 });
    const timeout = (seq: number, started: number, connectAfter: number, port: number): RequestRecord => ({
      seq, scheduled: started, started, latency: 5000, kind: 'timeout', connected: started + connectAfter, port,
    });
    const records = [
      ok(0, 1000),
      timeout(1, 10_500, 1003, 40001), // lossy window, after a SYN retransmit
      timeout(2, 11_000, 0.4, 40002), // lossy window, its connection seen waiting for a lost segment
      timeout(3, 11_500, 0.4, 40003), // lossy window, nothing seen: counts
      timeout(4, 30_000, 1003, 40004), // after the loss: counts
    ];
    const plan = [{ n: 1, at: 10_000, kind: 'lossy-link' as const, target: { role: 'holder' as const }, holdMs: 5000 }];
    const faults = [{ n: 1, kind: 'lossy-link' as const, target: 'holder', host: 'master', label: '#1', t: 10_000, undoneT: 15_000, healedT: 16_000, requests: 0, failed: 0, lostWithDeath: 0, slowestMs: 0, vipChanges: 0, findings: [] }];
    const load = { url: 'http://192.0.2.1/', rate: 200, timeoutMs: 5000, durationMs, keepalive: 0 };
    const tcpBackoff = [{ t: 12_500, port: 40002, host: 'master', backoff: 0, unackedMs: 400 }];
    const r = soakFigures({ target: 't', opts: { seed: 1, profile: 'hapb', rate: 200, keepalive: 0, durationMs }, plan, startedAt: '', t0: 0, load, records, events: [], deaths: [], faults, tcpBackoff });
    expect(r.lossyTcpTimeouts).toBe(2);
    expect(r.failedOutside).toBe(2);
    expect(r.timeline.verdicts.find((v) => v.id === 'lossy-tcp-timeouts')?.actual).toBe('2: #1, #2');
    expect(r.timeline.tcpBackoff).toEqual(tcpBackoff);
    // without a lossy fault nothing is set apart
    const none = soakFigures({ target: 't', opts: { seed: 1, profile: 'hapb', rate: 200, keepalive: 0, durationMs }, plan, startedAt: '', t0: 0, load, records, events: [], deaths: [], faults: [{ ...faults[0]!, kind: 'cut' as const }] });
    expect(none.lossyTcpTimeouts).toBe(0);
    expect(none.failedOutside).toBe(4);
    expect(none.timeline.verdicts.find((v) => v.id === 'lossy-tcp-timeouts')).toBeUndefined();
  });
});
