/**
 * The drill on a real lab, through the built CLI: `hapb lab up`, then `hapb
 * drill all -o json` on profile hapb. The target of the project: no failed
 * request in any scenario but lb-partition (a split brain is reported, not
 * judged), every other verdict met, exit code 0. The report with its pictures
 * stays in out/test-drill-lab/ (for a CI artifact when a scenario fails).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plans } from '../../src/drill/scenarios/catalog.js';
import { describeFailures } from '../../src/drill/summary.js';
import type { DrillReport, ScenarioResult } from '../../src/drill/types.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { hapbAsync, labDownQuietly, labUpOrThrow, parseReport, type Run } from '../helpers/drill-cli.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = `t-drl-all-${process.pid}`;
const informational = new Set(['lb-partition']);
const judged = (plans.all ?? []).filter((n) => !informational.has(n));

describe.skipIf(!canRun)('hapb drill all on a real lab (profile hapb)', () => {
  let run: Run;
  let report: DrillReport;
  const result = (name: string): ScenarioResult => {
    const r = report.results.find((x) => x.scenario === name);
    if (!r) throw new Error(`no result for ${name}`);
    return r;
  };

  beforeAll(async () => {
    await labUpOrThrow(LAB);
    const args = ['drill', 'all', '--name', LAB, '--profile', 'hapb', '--report', 'out/test-drill-lab', '-o', 'json'];
    run = await hapbAsync(args, 900_000);
    report = parseReport(run);
  }, 1_000_000);
  afterAll(async () => {
    await labDownQuietly(LAB);
  }, 180_000);

  it('ran every scenario of the plan once, each to its end', () => {
    expect(report.profiles).toEqual(['hapb']);
    expect(report.results.map((r) => r.scenario)).toEqual(plans.all);
    for (const r of report.results) {
      expect(r.error, `${r.scenario}: ${r.error ?? ''}`).toBeUndefined();
      expect(r.summary.total, r.scenario).toBeGreaterThan(0);
    }
  });

  it.each(judged)('%s: 0 failed requests', (name) => {
    const r = result(name);
    expect(r.summary.failed, `${name}: ${describeFailures(r.summary)}`).toBe(0);
  });

  it.each(judged)('%s: every verdict met', (name) => {
    const missed = result(name).verdicts.filter((v) => !v.pass && v.informational !== true);
    expect(missed.map((v) => `${v.description}: ${v.actual}, wanted ${v.target}`)).toEqual([]);
  });

  it('lb-partition: reported, not judged; one VIP holder once healed', () => {
    const r = result('lb-partition');
    const failed = r.verdicts.find((v) => v.id === 'failed-requests');
    expect(failed?.informational).toBe(true);
    expect(r.verdicts.find((v) => v.id === 'vip-holder-end')?.pass).toBe(true);
  });

  it('exit code 0 exactly when every verdict passed (2 otherwise)', () => {
    expect(run.code).toBe(report.pass ? 0 : 2);
    expect(report.pass).toBe(report.results.every((r) => r.pass));
  });
});
