/**
 * IPv6 on a real lab, through the built CLI: `hapb lab up --ipv6` gives every
 * machine fd00::<its IPv4 numbers>/64 on the lab's sealed switch and the
 * directors an IPv6 VIP (keepalived_vip6, moving with the IPv4 VIP in one VRRP
 * instance); nginx listens on [::] and proxies to the backends over IPv6.
 * Then `hapb drill --ipv6` (profile hapb) sends the load to http://[VIP6]/
 * from the client machine: 0 failed requests besides those inside a dying
 * director, in the director failures and the backend scenarios; the VIP
 * watcher sees the IPv6 VIP move. The report stays in out/test-drill-lab-ipv6/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailures } from '../../src/drill/summary.js';
import type { DrillReport, ScenarioResult } from '../../src/drill/types.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { expectInsideAtOneInstant, hapbAsync, labDownQuietly, labUpOrThrow, parseReport, type Run, unmarked } from '../helpers/drill-cli.js';
import { run as runCmd } from '../../src/lab/run.js';
import { labInventoryPath } from '../../src/lab/index.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn');
const LAB = `t-drl-v6-${process.pid}`;
const VIP6 = 'fd00::192:168:0:150';
const URL6 = `http://[${VIP6}]/`;
const scenariosRun = ['baseline', 'lb-poweroff', 'lb-nginx-killed', 'backend-stopped', 'backend-poweroff'];

const exec = (host: string, cmd: string): Promise<Run> => hapbAsync(['lab', 'exec', host, '--name', LAB, '--', 'sh', '-c', cmd], 60_000);

describe.skipIf(!canRun)('IPv6 on a real lab: hapb lab up --ipv6, hapb drill --ipv6 (profile hapb)', () => {
  let run: Run;
  let report: DrillReport;
  const result = (name: string): ScenarioResult => {
    const r = report.results.find((x) => x.scenario === name);
    if (!r) throw new Error(`no result for ${name}`);
    return r;
  };

  beforeAll(async () => {
    await labUpOrThrow(LAB, ['--ipv6']);
  }, 900_000);
  afterAll(async () => {
    await labDownQuietly(LAB);
  }, 180_000);

  it('the client reaches the IPv6 VIP; the director saw the client by its IPv6 address and asked a backend over IPv6', async () => {
    // Not this test's subject (the address family is): right after `lab up --ipv6`
    // the director's first IPv6 connects to the backends failed in two CI runs
    // (us="502, 502, 504, 200" once; an nginx error page once), on a quiet box
    // never. The likely cause, the VIP as the source of the director's upstream
    // connects, is fixed (keepalived's preferred_lft 0, docs/ipv6.md); until that
    // is borne out, first wait until the VIP serves (at most 30 s), and print what
    // failed before, with the director's logs, for the record.
    const first = await exec('client', `for i in $(seq 1 60); do c=$(curl -s -o /dev/null -w '%{http_code}' -m 2 '${URL6}'); [ "$c" = 200 ] && echo "served at try $i" && exit 0; echo "try $i: HTTP $c"; sleep 0.5; done; exit 1`);
    if (first.code !== 0 || !first.stdout.includes('served at try 1\n')) {
      const logs = await exec('master', 'echo "error log:"; tail -n 20 /var/log/nginx/error.log; echo "backend watcher:"; journalctl -u hapb-backend-watch --no-pager -o short-precise | tail -n 20; echo "neighbours:"; ip -6 neigh; echo "access log:"; tail -n 6 /var/log/nginx/access.log');
      console.log(`IPv6 VIP after lab up:\n${first.stdout}the director's:\n${logs.stdout}`);
    }
    expect(first.code, first.stdout).toBe(0);
    const pages = await exec('client', `for i in 1 2 3 4; do curl -sS -m 5 'http://[${VIP6}]/'; done`);
    const got = pages.stdout.trim().split('\n');
    expect(got).toHaveLength(4);
    for (const p of got) expect(['web1', 'web2']).toContain(p);
    const log = await exec('master', 'tail -n 4 /var/log/nginx/access.log');
    const lines = log.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    // every upstream it tried was a backend's IPv6 address, the last answered 200 (a
    // retry on a busy box, e.g. after the backend watcher's false alarm, is allowed:
    // this is about the address family, the drills count failures)
    const ua = '\\[fd00::192:168:0:4[23]\\]:80';
    for (const l of lines) expect(l).toMatch(new RegExp(`^fd00::192:168:0:10 .* ua="${ua}(, ${ua})*" us="(\\d{3}, )*200"`));
    // ...from its own address, never from the VIP (deprecated: preferred_lft 0), so a
    // backend's answer goes back to this director wherever the VIP is by then
    const from: string[] = [];
    for (const w of ['web1', 'web2']) from.push(...(await exec(w, 'cat /var/log/nginx/access.log')).stdout.trim().split('\n').map((l) => l.split(' ')[0] ?? ''));
    expect(from).toContain('fd00::192:168:0:40');
    expect(from).not.toContain(VIP6);
  });

  it('keepalived put the IPv6 VIP on the master without DAD, deprecated (never a source address); the backup keeps it on lo only (unannounced)', async () => {
    const m = await exec('master', 'ip -6 -o addr show dev ens33');
    expect(m.stdout).toMatch(new RegExp(`inet6 ${VIP6}/64 scope global nodad deprecated`));
    const b = await exec('backup', 'ip -6 -o addr show dev ens33; echo ---; ip -6 -o addr show dev lo');
    const [eth, lo] = b.stdout.split('---');
    expect(eth).not.toContain(VIP6);
    expect(lo).toContain(`${VIP6}/128`);
  });

  it('sealed: no IPv6 route out of a machine, no lab address in the root namespace', async () => {
    const routes = await exec('client', 'ip -6 route show default; ip -6 route show');
    expect(routes.stdout).not.toMatch(/^default/m);
    const root = await runCmd(['ip', '-6', '-o', 'addr', 'show']);
    expect(root.stdout).not.toContain('fd00::192:168:0:');
  });

  it('hapb status over SSH names the IPv6 VIP and its one holder', async () => {
    const st = await hapbAsync(['status', '-i', labInventoryPath(LAB), '--no-drift', '-o', 'json'], 120_000);
    const doc = JSON.parse(st.stdout) as { vips: { vip: string; holders: string[]; state: string }[] };
    expect(doc.vips).toContainEqual({ vip: VIP6, holders: ['master'], state: 'ok' });
    expect(doc.vips).toContainEqual({ vip: '192.168.0.150', holders: ['master'], state: 'ok' });
  });

  it('the drill --ipv6 passes: 0 failed requests besides those inside a dying director', async () => {
    run = await hapbAsync(['drill', ...scenariosRun, '--ipv6', '--rate', '100', '--no-converge', '--name', LAB, '--report', 'out/test-drill-lab-ipv6', '-o', 'json'], 1_500_000);
    report = parseReport(run);
    expect(report.results.map((r) => r.scenario)).toEqual(scenariosRun);
    for (const r of report.results) {
      expect(r.load.url).toBe(URL6);
      expect(r.summary.failed - r.summary.lostWithDeath, `${r.scenario}: ${describeFailures(r.summary)}; ${unmarked(r)}`).toBe(0);
      expectInsideAtOneInstant(r);
    }
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
  }, 1_600_000);

  it('the VIP watcher followed the IPv6 VIP: on master, then on backup after the power loss', () => {
    const vips = result('lb-poweroff').events.filter((e) => e.kind === 'vip').map((e) => (e.holders ?? []).join('+'));
    expect(vips[0]).toBe('master');
    expect(vips).toContain('backup');
  });
});
