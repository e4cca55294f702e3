/**
 * One scenario end to end on real parts, no lab: the load generator in its own
 * client namespace, real nginx in a server namespace standing in for the
 * cluster behind the "VIP" (the server's address), the scenario runner timing
 * a fault (nginx stopped by PID) and a recovery (started again), the VIP
 * watcher, the verdicts and the pictures.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noFailedRequests } from '../../src/drill/assertions.js';
import type { LabControl } from '../../src/drill/lab-control.js';
import { spawnLoad } from '../../src/drill/load-process.js';
import { markdownReport } from '../../src/drill/report/markdown.js';
import { timelineSvg } from '../../src/drill/report/timeline-svg.js';
import { runScenario } from '../../src/drill/scenarios/run-scenario.js';
import type { Scenario } from '../../src/drill/scenarios/types.js';
import { buildLoadgen, Testbed } from '../../src/drill/testbed.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';

const tag = `hapb-t-drillsc-${process.pid}`;
const bed = new Testbed(tag);
const repo = resolve(import.meta.dirname, '../..');
const buildDir = join(repo, 'out', tag);
let loadgenPath = '';

const unused = (): Promise<never> => Promise.reject(new Error('not in this testbed'));

function testbedLab(): LabControl {
  return {
    name: tag,
    topology: { directors: ['server', 'none'], backends: ['web1'], client: 'client', vip: bed.serverAddr, url: bed.url },
    exec: async (_host, argv) => ({ rc: 0, stdout: bed.inServer(argv), stderr: '' }),
    poweroff: unused,
    poweron: unused,
    cut: unused,
    uncut: unused,
    partition: unused,
    heal: unused,
    faultsInPlace: async () => ({ poweredOff: [], cut: [], partitioned: false }),
    vipHolders: async () => (bed.inServer(['ip', '-o', 'addr', 'show']).includes(`inet ${bed.serverAddr}/`) ? ['server'] : []),
    startLoad: (opts) => spawnLoad(opts, { prefix: bed.clientPrefix, loadgenPath }),
    applyProfile: async () => undefined,
  };
}

const nginxOutage: Scenario = {
  name: 'nginx-outage',
  description: 'nginx stopped at 0.8 s, started again at 1.6 s',
  durationMs: 2500,
  run: async (ctx) => {
    await ctx.at(800);
    const t = ctx.mark('fault', 'nginx stopped');
    await bed.stopNginx();
    await ctx.at(1600);
    await bed.startNginx();
    ctx.mark('recover', 'nginx started');
    ctx.window(t, ctx.now(), 'outage');
  },
  verdicts: (i) => [noFailedRequests(i.records)],
};

describe.skipIf(!(canUseNamespaces && hasCommand('nginx')))('a scenario on real nginx and namespaces', () => {
  beforeAll(async () => {
    loadgenPath = buildLoadgen(repo, buildDir);
    await bed.create();
    await bed.startNginx();
  });
  afterAll(async () => {
    await bed.destroy();
    rmSync(buildDir, { recursive: true, force: true });
  });

  it('times the outage: answers before and after, refusals only inside it, and says the verdict failed', async () => {
    const r = await runScenario(testbedLab(), nginxOutage, 'hapb', {}, { rate: 100, timeoutMs: 2000, keepalive: 0 });
    expect(r.error).toBeUndefined();
    const fault = r.events.find((e) => e.kind === 'fault');
    const recover = r.events.find((e) => e.kind === 'recover');
    if (!fault || !recover) throw new Error('fault and recovery must be on the timeline');
    expect(r.events[0]).toMatchObject({ kind: 'vip', holders: ['server'] });
    expect(r.records).toHaveLength(250);
    const refused = r.records.filter((x) => x.kind === 'refused');
    expect(refused.length).toBeGreaterThan(30);
    for (const x of refused) {
      expect(x.started).toBeGreaterThanOrEqual(fault.t - 20);
      expect(x.started).toBeLessThanOrEqual(recover.t + 20);
    }
    expect(r.records.filter((x) => x.started < fault.t - 20).every((x) => x.kind === 'ok' && x.backend === 'web1')).toBe(true);
    expect(r.records.filter((x) => x.started > recover.t + 50).every((x) => x.kind === 'ok')).toBe(true);
    expect(r.verdicts[0]).toMatchObject({ id: 'failed-requests', pass: false });
    expect(r.pass).toBe(false);
    const svg = timelineSvg(r);
    expect(svg).toContain('nginx stopped');
    expect(svg.match(/<circle [^>]*r="1.8"/g)?.length).toBe(r.summary.ok);
    if (process.env.DRILL_KEEP_PICTURE) {
      writeFileSync(join(repo, 'out', 'real-nginx-outage.svg'), svg);
      writeFileSync(join(repo, 'out', 'real-nginx-outage.md'), markdownReport({ schema: 'hapb-drill/1', lab: tag, startedAt: new Date(r.t0Epoch).toISOString(), profiles: ['hapb'], mode: 'carry-over', results: [r], pass: r.pass }));
    }
  });
});
