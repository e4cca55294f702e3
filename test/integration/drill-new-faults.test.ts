/**
 * The faults that are not clean deaths (issue 15's "new fault kinds") on a
 * real lab, through the built CLI: `hapb drill new-faults --rate 200 -o json`
 * on profile hapb: nginx stopped and hung on the VIP holder, keepalived
 * stopped, a backend answering 500/502, a slow backend, 5 % loss on a
 * director and on a backend. Every scenario must meet its judged verdicts:
 * no failed request, except the two kinds the drill reports apart, each
 * bounded here:
 * - lb-nginx-hung: requests the holder's kernel accepted for the frozen nginx
 *   until the other director took the VIP (hapb-nginx-watch tells a hang in
 *   ~2 probes; the VIP must leave within 1 s, so at 200 req/s at most ~200);
 * - the lossy links: timeouts TCP held up: after a retransmitted SYN (a 3 s
 *   data RTO follows), or, on the lossy director, on a connection seen
 *   waiting for a lost segment while the request was in flight (lossPhysics).
 * The report stays in out/test-drill-new-faults/ as a CI artifact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { gamedayPlans } from '../../src/drill/gameday/scenarios.js';
import { lossPhysics } from '../../src/drill/gameday/scenarios.js';
import { describeFailures } from '../../src/drill/summary.js';
import type { DrillReport, ScenarioResult } from '../../src/drill/types.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { hapbAsync, parseReport, type Run } from '../helpers/drill-cli.js';
import { sharedLab, sharedLabName } from '../helpers/shared-lab.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = sharedLabName();
const RATE = 200;
const planned = [...(gamedayPlans['new-faults'] ?? [])];

describe.skipIf(!canRun)('hapb drill new-faults on a real lab (profile hapb)', () => {
  let run: Run;
  let report: DrillReport;
  let watchLog = '';
  const result = (name: string): ScenarioResult => {
    const r = report.results.find((x) => x.scenario === name);
    if (!r) throw new Error(`no result for ${name}`);
    return r;
  };

  beforeAll(async () => {
    await sharedLab();
    run = await hapbAsync(['drill', 'new-faults', '--rate', String(RATE), '--no-converge', '--name', LAB, '--report', 'out/test-drill-new-faults', '-o', 'json'], 1_200_000);
    report = parseReport(run);
    const both = await Promise.all(
      ['master', 'backup'].map((h) => hapbAsync(['lab', 'exec', h, '--name', LAB, '--', 'journalctl', '-u', 'hapb-nginx-watch', '--no-pager', '-o', 'cat'], 60_000)),
    );
    watchLog = both.map((r, i) => `${i === 0 ? 'master' : 'backup'}:\n${r.stdout}`).join('\n');
  }, 1_800_000);

  it('ran every scenario of the plan, and the drill passed', () => {
    expect(planned.length).toBeGreaterThanOrEqual(7);
    expect(report.results.map((r) => r.scenario)).toEqual(planned);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
  });

  it.each(planned)('%s: every judged verdict passes', (name) => {
    const r = result(name);
    const failedJudged = r.verdicts.filter((v) => !v.pass && v.informational !== true);
    expect(failedJudged, `${describeFailures(r.summary)}`).toEqual([]);
  });

  it('lb-nginx-hung: the watcher told the hang within 1 s; what it let in stays bounded by that', () => {
    const r = result('lb-nginx-hung');
    const move = r.verdicts.find((v) => v.id === 'vip-move');
    expect(move?.pass, move?.actual).toBe(true);
    expect(r.summary.failed - r.summary.lostWithDeath).toBe(0);
    // at most a second of requests (the detection target) went into the frozen nginx
    expect(r.summary.lostWithDeath).toBeLessThanOrEqual(RATE);
    // and the watcher said so on the director that hung, and only there
    expect(watchLog.split('backup:')[0]).toMatch(/hung, \/run\/hapb-nginx\.hung = 1/);
    expect(watchLog.split('backup:')[1] ?? '').not.toMatch(/hung, /);
  });

  it('the lossy links: only timeouts TCP held up are set apart, and they are few', () => {
    // the lossy director was sampled for connections waiting for a lost segment; the lossy backend is not
    expect(result('lb-lossy').tcpBackoff?.length ?? 0).toBeGreaterThan(0);
    expect(result('backend-lossy').tcpBackoff).toBeUndefined();
    for (const name of ['lb-lossy', 'backend-lossy']) {
      const r = result(name);
      const apart = r.records.filter((x) => lossPhysics(x, r.tcpBackoff ?? [])).length;
      const failed = r.records.filter((x) => x.kind !== 'ok' && !lossPhysics(x, r.tcpBackoff ?? []));
      expect(r.summary.failed - apart, `${name}: ${describeFailures(r.summary)}: ${JSON.stringify(failed.slice(0, 5))}`).toBe(0);
      expect(apart, name).toBeLessThanOrEqual(r.summary.total * 0.005);
    }
  });
});
