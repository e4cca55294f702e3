/** The soak's plan (seeded, replayable, one fault at a time inside the duration), durations, the no-holder time. */
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
