/**
 * The drill catches what it is for: the tutorial's configuration loses
 * requests when nginx is killed on the VIP holder (its check script restarts
 * nginx every 2 s; in between the holder refuses connections). Real lab, built
 * CLI, `-o json`: failed > 0 (refused), the verdict fails, exit code 2.
 *
 * And it is fair (mode healthy-start): the tutorial's check script then stops
 * keepalived on the master and nothing restarts it; the drill repairs that
 * before lb-poweroff and lists it as a finding of lb-nginx-killed, so
 * lb-poweroff starts with the VIP on the master and the VIP moves when the
 * master loses power.
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
    run = await hapbAsync(['drill', 'lb-nginx-killed', 'lb-poweroff', '--name', LAB, '--profile', 'tutorial', '--no-converge', '-o', 'json'], 400_000);
    report = parseReport(run);
  }, 900_000);
  afterAll(async () => {
    await labDownQuietly(LAB);
  }, 180_000);

  it('lb-nginx-killed on tutorial: requests refused while nginx is down on the holder', () => {
    expect(report.results.map((r) => `${r.scenario}/${r.profile}`)).toEqual(['lb-nginx-killed/tutorial', 'lb-poweroff/tutorial']);
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

  it("healthy-start: keepalived stopped by the tutorial's check script on master is repaired and listed as a finding of lb-nginx-killed", () => {
    expect(report.mode).toBe('healthy-start');
    const killed = report.results[0];
    const keepalived = killed?.findings?.find((f) => f.problem === 'keepalived inactive on master');
    expect(keepalived).toMatchObject({ host: 'master', cause: 'cluster', repair: 'systemctl start keepalived on master' });
    // the drill read the script off the machine: the tutorial's check script, which stops keepalived
    expect(keepalived?.explanation).toContain('/etc/keepalived/check_nginx.sh');
    expect(killed?.findings?.some((f) => f.host === 'VIP' && f.problem === 'the VIP is on backup, not on master')).toBe(true);
  });

  it('lb-poweroff starts with the VIP on master, and the VIP moves to backup when master loses power', () => {
    const r = report.results[1];
    expect(r?.error).toBeUndefined();
    const vip = (r?.events ?? []).filter((e) => e.kind === 'vip');
    expect(vip[0]?.holders).toEqual(['master']);
    expect(vip[0]?.t ?? Infinity).toBeLessThan(1000);
    const fault = r?.events.find((e) => e.kind === 'fault');
    expect(fault?.label).toBe('master powered off');
    const moved = vip.find((e) => e.t > (fault?.t ?? 0) && (e.holders ?? []).join() === 'backup');
    expect(moved).toBeDefined();
    expect(r?.verdicts.find((v) => v.id === 'vip-move')?.actual).not.toBe('never');
    // and what it left (master off) was repaired, made by the drill
    expect(r?.findings?.find((f) => f.host === 'master')).toMatchObject({ problem: 'master is powered off', cause: 'drill' });
  });

  it('the drill fails: report.pass false, exit code 2', () => {
    expect(report.pass).toBe(false);
    expect(run.code).toBe(2);
  });

  it('--no-converge on a lab at another profile: refused before anything is done (exit 4), the lab left at its profile', async () => {
    const r = await hapbAsync(['drill', 'baseline', '--name', LAB, '--profile', 'hapb', '--no-converge', '-o', 'json'], 60_000);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--no-converge: lab t-drl-tut-\d+ runs profile tutorial, not hapb/);
    const conf = await hapbAsync(['lab', 'exec', '--name', LAB, 'master', '--', 'grep', '-c', 'check_nginx', '/etc/keepalived/keepalived.conf'], 30_000);
    expect(Number(conf.stdout.trim())).toBeGreaterThan(0);
  });
});
