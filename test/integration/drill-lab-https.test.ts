/**
 * HTTPS on a real lab, through the built CLI: `hapb lab up` makes a lab CA and
 * a VIP certificate and the converge turns HTTPS on (role nginx_director);
 * the client machine trusts the CA (curl https://VIP/ verifies it, no -k); both
 * directors hold the same session ticket keys, the private key 0600 root's.
 * Then `hapb drill lb-poweroff lb-nginx-killed --https --rate 50 -o json` (profile hapb;
 * a TLS handshake costs far more CPU than a request, and the box has 2 cores):
 * 0 failed requests besides those inside the dying director, no TLS failure,
 * resumed sessions, and the first handshake on the director that took the VIP
 * over resumed a session the other director issued. Then the same with 4
 * keep-alive connections. The report stays in out/test-drill-lab-https/.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { describeFailures } from '../../src/drill/summary.js';
import type { DrillReport, ScenarioResult } from '../../src/drill/types.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { expectInsideAtOneInstant, hapbAsync, parseReport, type Run, unmarked } from '../helpers/drill-cli.js';
import { sharedLab, sharedLabName } from '../helpers/shared-lab.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('openssl');
const LAB = sharedLabName();
const scenariosRun = ['lb-poweroff', 'lb-nginx-killed'];

const exec = (host: string, cmd: string): Promise<Run> => hapbAsync(['lab', 'exec', host, '--name', LAB, '--', 'sh', '-c', cmd], 60_000);

describe.skipIf(!canRun)('HTTPS on a real lab: hapb drill --https (profile hapb)', () => {
  let run: Run;
  let report: DrillReport;
  let kaReport: DrillReport;
  const result = (rep: DrillReport, name: string): ScenarioResult => {
    const r = rep.results.find((x) => x.scenario === name);
    if (!r) throw new Error(`no result for ${name}`);
    return r;
  };

  beforeAll(async () => {
    await sharedLab();
    run = await hapbAsync(['drill', ...scenariosRun, '--https', '--rate', '50', '--no-converge', '--name', LAB, '--report', 'out/test-drill-lab-https', '-o', 'json'], 900_000);
    report = parseReport(run);
    kaReport = parseReport(await hapbAsync(['drill', 'lb-poweroff', '--https', '--rate', '50', '--keepalive', '4', '--no-converge', '--name', LAB, '-o', 'json'], 600_000));
  }, 1_800_000);

  it('the client machine trusts the lab CA: curl verifies https://VIP/ (and refuses a name the certificate does not carry)', async () => {
    const ok = await exec('client', "curl -sS -m 5 -o /dev/null -w '%{http_code} %{ssl_verify_result} %{http_version}' https://192.168.0.150/");
    expect(ok.stdout.trim()).toBe('200 0 2');
    const wrongName = await exec('client', 'curl -sS -m 5 -o /dev/null https://192.168.0.40/');
    expect(wrongName.code).not.toBe(0);
    expect(wrongName.stderr + wrongName.stdout).toMatch(/certificate|SSL/i);
  });

  it('both directors have the same ticket keys; the private key is 0600 and root\'s', async () => {
    const sums = await Promise.all(['master', 'backup'].map((h) => exec(h, 'sha256sum /etc/nginx/tls/ticket.0.key /etc/nginx/tls/ticket.1.key | cut -c1-64; stat -c "%a %U" /etc/nginx/tls/vip-*.key')));
    const [m, b] = sums.map((s) => s.stdout.trim().split('\n'));
    expect(m).toHaveLength(3);
    expect(m?.[2]).toBe('600 root');
    expect(b).toEqual(m);
    expect(m?.[0]).not.toBe(m?.[1]);
  });

  it('the drill passed over HTTPS', () => {
    expect(report.results.map((r) => r.scenario)).toEqual(scenariosRun);
    for (const r of report.results) expect(r.load.url).toBe('https://192.168.0.150/');
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
  });

  it.each(scenariosRun)('%s: 0 failed requests besides those inside the dying director, no TLS failure, sessions resumed', (name) => {
    const r = result(report, name);
    expect(r.summary.failed - r.summary.lostWithDeath, `${name}: ${describeFailures(r.summary)}; ${unmarked(r)}`).toBe(0);
    expectInsideAtOneInstant(r);
    expect(r.summary.tls?.failures).toBe(0);
    // a new connection per request: every answered request made its own handshake
    expect(r.records.filter((x) => x.kind === 'ok' && x.tls === undefined)).toEqual([]);
    expect(r.summary.tls?.resumed ?? 0).toBeGreaterThan((r.summary.tls?.handshakes ?? 0) * 0.9);
  });

  it.each(scenariosRun)('%s: the first handshake on the new VIP holder resumed a session of the old one', (name) => {
    const v = result(report, name).verdicts.find((x) => x.id === 'tls-resumed-after-failover');
    expect(v, JSON.stringify(result(report, name).events)).toBeDefined();
    expect(v?.pass, v?.actual).toBe(true);
  });

  it('keep-alive over HTTPS: lb-poweroff loses nothing and the new connections resume on the new director', () => {
    const r = result(kaReport, 'lb-poweroff');
    expect(r.summary.failed - r.summary.lostWithDeath, describeFailures(r.summary)).toBe(0);
    expect(r.summary.tls?.failures).toBe(0);
    expect(r.verdicts.find((x) => x.id === 'tls-resumed-after-failover')?.pass).toBe(true);
  });
});
