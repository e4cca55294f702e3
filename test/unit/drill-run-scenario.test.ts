/**
 * The scenario runner's mechanics (prepare, timed steps, VIP watching, verdicts,
 * errors) over an in-memory lab. The real lab is exercised by the integration tests.
 */
import { describe, expect, it } from 'vitest';
import { noFailedRequests, vipMovedWithin } from '../../src/drill/assertions.js';
import { runDrill } from '../../src/drill/run-drill.js';
import { restoreHealthy, scenarios } from '../../src/drill/scenarios/catalog.js';
import { runScenario } from '../../src/drill/scenarios/run-scenario.js';
import { resolveScenarios } from '../../src/drill/resolve.js';
import type { DrillState } from '../../src/drill/scenarios/types.js';
import type { Scenario } from '../../src/drill/scenarios/types.js';
import { MemoryLab } from '../golden/drill/memory-lab.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const poweroffScenario: Scenario = {
  name: 'test-poweroff',
  description: 'lb1 loses power at 100 ms',
  durationMs: 600,
  prepare: async (ctx) => {
    ctx.facts.prepared = 1;
  },
  run: async (ctx) => {
    await ctx.at(100);
    ctx.facts.faultT = ctx.mark('fault', 'lb1 powered off');
    await ctx.lab.poweroff('lb1');
    ctx.window(100, 400, 'failover');
  },
  verdicts: (i) => [noFailedRequests(i.records), vipMovedWithin(i.events, Number(i.facts.faultT), 'lb1', 500)],
};

/** each test's lab and runner share one simulated clock: no real wait */
const opts = { rate: 100, timeoutMs: 1000, keepalive: 0, vipPollMs: 20, settleMs: 0, heal: { graceMs: 100, vipMs: 2000, stableMs: 50, pollMs: 20 } };

describe('runScenario over an in-memory lab', () => {
  it('records the fault, the VIP move and the refusals while nobody held the VIP', async () => {
    const clock = new VirtualClock();
    const lab = new MemoryLab(150, clock);
    const steps: string[] = [];
    const r = await runScenario(lab, poweroffScenario, 'hapb', {}, { ...opts, clock }, { step: (s) => steps.push(s) });
    expect(r.error).toBeUndefined();
    expect(steps).toEqual(['preparing', 'load running', 'lb1 powered off']);
    expect(r.events.map((e) => `${e.kind}:${e.label}`)).toEqual(['vip:VIP on lb1', 'fault:lb1 powered off', 'vip:VIP: nobody', 'vip:VIP on lb2']);
    const move = r.verdicts.find((v) => v.id === 'vip-move');
    expect(move?.pass).toBe(true);
    expect(r.summary.byKind.refused ?? 0).toBeGreaterThan(5);
    const failed = r.verdicts.find((v) => v.id === 'failed-requests');
    expect(failed?.pass).toBe(false);
    expect(r.pass).toBe(false);
    expect(r.windows).toEqual([{ from: 100, to: 400, label: 'failover' }]);
    expect(r.records.length).toBeGreaterThan(30);
  });

  it('turns a failing step into an error result and stops the load early', async () => {
    const clock = new VirtualClock();
    const lab = new MemoryLab(100, clock);
    const broken: Scenario = {
      ...poweroffScenario,
      durationMs: 5000,
      run: async (ctx) => {
        await ctx.at(50);
        const res = await ctx.lab.exec('broken', ['systemctl', 'kill', 'nginx']);
        if (res.rc !== 0) throw new Error(`broken: ${res.stderr}`);
      },
    };
    const r = await runScenario(lab, broken, 'hapb', {}, { ...opts, clock });
    // 5 s of load would be ~500 records: the load stopped with the failed step
    expect(r.records.length).toBeLessThan(250);
    expect(r.pass).toBe(false);
    expect(r.error).toBe('broken: no such unit');
  });

  it('runDrill converges each profile first and marks the tutorial informational when comparing', async () => {
    const clock = new VirtualClock();
    const lab = new MemoryLab(150, clock);
    const report = await runDrill(lab, [poweroffScenario], ['tutorial', 'hapb'], { ...opts, clock });
    expect(lab.log.filter((l) => l.startsWith('profile'))).toEqual(['profile tutorial', 'profile hapb']);
    const [t, h] = report.results;
    expect(t?.verdicts.every((v) => v.informational)).toBe(true);
    expect(t?.pass).toBe(true);
    expect(h?.pass).toBe(false); // the in-memory lab refuses while the VIP moves
    expect(report.pass).toBe(false);
  });
});

describe('restoreHealthy', () => {
  it('undoes whatever an interrupted scenario left, in a safe order, then waits for one VIP holder', async () => {
    const clock = new VirtualClock();
    const lab = new MemoryLab(100, clock);
    const state: DrillState = { partitioned: true, linkCut: 'web1', keepalivedDown: 'lb1', poweredOff: 'web2', nginxDown: 'lb1', backendStopped: 'web1' };
    await restoreHealthy({ lab, state, clock });
    expect(lab.log).toEqual([
      'heal',
      'uncut web1',
      'lb1: sh -c systemctl reset-failed keepalived.service 2>/dev/null; systemctl restart keepalived.service',
      'poweron web2',
      'lb1: sh -c systemctl reset-failed nginx.service 2>/dev/null; systemctl start nginx.service',
      'web1: sh -c systemctl reset-failed nginx.service 2>/dev/null; systemctl start nginx.service',
    ]);
    expect(state).toEqual({});
  });
});

describe('the catalog over the in-memory lab', () => {
  it('each fault is undone by the scenario that pairs with it, or by restoreHealthy; nothing is left', async () => {
    const clock = new VirtualClock();
    const lab = new MemoryLab(100, clock);
    const state: DrillState = {};
    const errors: string[] = [];
    // the plan `all` on two directors (lb-two-fail needs three)
    for (const s of resolveScenarios(['all'], lab.topology.directors.length)) {
      const r = await runScenario(lab, s, 'hapb', state, { ...opts, clock });
      if (r.error) errors.push(`${s.name}: ${r.error}`);
    }
    expect(errors).toEqual([]);
    const acts = lab.log.filter((l) => !l.includes('date +%s%3N'));
    // the injects and undos, in scenario order (lb-nginx-killed's 8 stamped kills left out)
    expect(acts).toEqual([
      'lb1: sh -c systemctl reset-failed nginx.service 2>/dev/null; systemctl start nginx.service',
      'web1: systemctl stop nginx.service',
      'web1: sh -c systemctl reset-failed nginx.service 2>/dev/null; systemctl start nginx.service',
      'poweroff lb1',
      'poweron lb1',
      'poweroff web1',
      'poweron web1',
      'cut lb1',
      'uncut lb1',
      'cut web1',
      'uncut web1',
      'lb1: systemctl kill --signal=SIGKILL keepalived.service',
      'lb1: sh -c systemctl reset-failed keepalived.service 2>/dev/null; systemctl restart keepalived.service',
      'partition lb1|lb2',
      'heal',
      'profile hapb',
    ]);
    expect(lab.log.filter((l) => l.includes('date +%s%3N'))).toHaveLength(8);
    expect(state).toEqual({});
  });
});

describe('scenarios that need more directors', () => {
  it('the plan all leaves lb-two-fail out on two directors, keeps it on three; naming it on two is an error', () => {
    expect(resolveScenarios(['all'], 2).map((s) => s.name)).not.toContain('lb-two-fail');
    expect(resolveScenarios(['all'], 3).map((s) => s.name)).toContain('lb-two-fail');
    expect(resolveScenarios(['all']).length).toBe(scenarios.length);
    expect(() => resolveScenarios(['lb-two-fail'], 2)).toThrow(/lb-two-fail needs 3 directors, the lab has 2/);
  });
});
