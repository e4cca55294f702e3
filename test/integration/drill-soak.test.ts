/**
 * The soak in CI (issue 15): 100 s of `hapb drill soak` on a real lab,
 * profile hapb, seed 13, the built CLI with `-o json`. It replays the seeded
 * plan (the plan in the report is `soakPlan` of that seed), makes and heals
 * every fault of it, and its figures are the records': failed requests
 * outside a dying director 0, never a second with two VIP holders. Seed 13
 * over 100 s plans 3 faults on a director: keepalived killed, nginx killed and
 * a power loss (a cut and keepalived stopped, which seed 1 planned over 150 s,
 * are drill-lab's lb-cut and drill-real-hosts' keepalived-stopped).
 * The 30-minute soak is bench/drill-soak.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SOAK_FAULTS, soakPlan } from '../../src/drill/soak/plan.js';
import type { SoakReport } from '../../src/drill/soak/run-soak.js';
import type { RequestRecord } from '../../src/drill/types.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { hapbAsync, type Run, unmarked } from '../helpers/drill-cli.js';
import { sharedLab, sharedLabName } from '../helpers/shared-lab.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = sharedLabName();
/** the soak's length and seed: 3 faults (soakPlan) */
const SECONDS = 100;
const SEED = 13;

describe.skipIf(!canRun)(`hapb drill soak: ${SECONDS} s on a lab`, () => {
  let run: Run;
  let report: SoakReport;

  beforeAll(async () => {
    await sharedLab();
    run = await hapbAsync(['drill', 'soak', '--name', LAB, '--duration', `${SECONDS}s`, '--seed', String(SEED), '-o', 'json', '--report', 'out/test-drill-soak'], 600_000);
    try {
      report = JSON.parse(run.stdout) as SoakReport;
    } catch {
      throw new Error(`hapb drill soak exited ${run.code} without a JSON report; stderr:\n${run.stderr.slice(-3000)}`);
    }
  }, 1_200_000);

  it('replays the plan of its seed, and makes and heals every fault of it', () => {
    expect(report.seed).toBe(SEED);
    expect(report.plan).toEqual(soakPlan({ seed: SEED, durationMs: SECONDS * 1000, faults: SOAK_FAULTS, backends: 2 }));
    expect(report.faults.map((f) => f.kind)).toEqual(report.plan.map((p) => p.kind));
    for (const f of report.faults) {
      expect(f.error, `#${f.n} ${f.label}`).toBeUndefined();
      expect(f.undoneT).toBeGreaterThan(f.t);
      expect(f.healedT).toBeGreaterThanOrEqual(f.undoneT);
      expect(report.timeline.events.some((e) => e.kind === 'fault' && e.label.startsWith(`#${f.n} `))).toBe(true);
    }
  });

  it('the load ran the whole soak at 200 req/s, every request accounted for', () => {
    expect(report.summary.total).toBe(200 * SECONDS);
    const failures = (report.timeline as unknown as { failures: { lostWith?: string }[] }).failures;
    expect(failures.length).toBe(report.summary.failed);
    expect(report.failedOutside).toBe(failures.filter((x) => x.lostWith === undefined).length);
  });

  it('profile hapb: 0 failed requests outside a dying director, never a second with two VIP holders', () => {
    const failures = (report.timeline as unknown as { failures: RequestRecord[] }).failures;
    const faults = report.faults.map((f) => `#${f.n} ${f.label} ${f.t}-${f.healedT}`);
    expect(report.failedOutside, unmarked({ records: failures, deaths: report.timeline.deaths, events: report.timeline.events }, { faults })).toBe(0);
    expect(report.longestTwoHoldersMs).toBeLessThan(1000);
    expect(report.pass).toBe(true);
    expect(run.code).toBe(0);
  });
});
