/**
 * The drill catches what it is for: the tutorial's configuration loses
 * requests when nginx is killed on the VIP holder (its check script restarts
 * nginx every 2 s; in between the holder refuses connections). Real lab, built
 * CLI, `-o json`: failed > 0 (refused), the verdict fails, exit code 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillReport } from '../../src/drill/types.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { hapbAsync, labDownQuietly, labUpOrThrow, parseReport, type Run } from '../helpers/drill-cli.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = `t-drl-tut-${process.pid}`;

describe.skipIf(!canRun)('hapb drill catches the tutorial profile losing requests', () => {
  let run: Run;
  let report: DrillReport;

  beforeAll(async () => {
    await labUpOrThrow(LAB, ['--profile', 'tutorial']);
    run = await hapbAsync(['drill', 'lb-nginx-killed', '--name', LAB, '--profile', 'tutorial', '-o', 'json'], 300_000);
    report = parseReport(run);
  }, 900_000);
  afterAll(async () => {
    await labDownQuietly(LAB);
  }, 180_000);

  it('lb-nginx-killed on tutorial: requests refused while nginx is down on the holder', () => {
    expect(report.results.map((r) => `${r.scenario}/${r.profile}`)).toEqual(['lb-nginx-killed/tutorial']);
    const r = report.results[0];
    expect(r?.error).toBeUndefined();
    expect(r?.summary.failed).toBeGreaterThan(0);
    expect(r?.summary.byKind.refused ?? 0).toBeGreaterThan(0);
    // a refused request never had a connection: none of these can pass as "inside a dying director"
    for (const x of r?.records ?? []) if (x.kind === 'refused') expect(x.lostWith).toBeUndefined();
    expect((r?.summary.failed ?? 0) - (r?.summary.lostWithDeath ?? 0)).toBeGreaterThan(0);
    const failed = r?.verdicts.find((v) => v.id === 'failed-requests');
    expect(failed?.pass).toBe(false);
    expect(failed?.informational).toBeUndefined();
    expect(r?.pass).toBe(false);
  });

  it('the drill fails: report.pass false, exit code 2', () => {
    expect(report.pass).toBe(false);
    expect(run.code).toBe(2);
  });
});
