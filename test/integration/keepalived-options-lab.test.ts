/**
 * The keepalived role's user options, live on a lab converged over SSH:
 * notify_master / notify_backup / notify_fault scripts (installed by the role
 * from keepalived_notify_scripts; with profile hapb's hand-back window,
 * notify_master is a wrapper that runs the hand-back script, then the
 * user's), track_interface (a veth inside each director: its link going down
 * puts the director in FAULT) and virtual_ipaddress_excluded (moved with the
 * VIP, not advertised), and the VRRP metrics textfile for node exporter
 * (seeded at the converge, then rewritten on every transition). A second
 * converge changes nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { repoRoot } from '../helpers/cli.js';
import { hapbAsync, labDownQuietly, labUpOrThrow } from '../helpers/drill-cli.js';
import { execIn, labInventoryPath, vipHolders } from '../../src/lab/index.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = `t-kaopt-${process.pid}`;
const VIP = '192.168.0.150';
const EXCLUDED = '192.168.0.151';
const LOG = `/run/hapb-t-kaopt-${process.pid}.log`;
const PROM = '/var/lib/prometheus/node-exporter/keepalived.prom';

/** the series of the VRRP metrics textfile on a host, without the timestamps */
const metrics = async (host: string): Promise<string[]> =>
  (await sh(host, `cat ${PROM} 2>/dev/null || true`)).split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('keepalived_vrrp_last_transition'));

async function sh(host: string, script: string): Promise<string> {
  const r = await execIn(LAB, host, ['sh', '-c', script]);
  if (r.rc !== 0) throw new Error(`${host}: ${script}: rc ${r.rc}: ${r.stderr}`);
  return r.stdout;
}

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
    v = await read();
  }
  return v;
}

const holders = async (): Promise<string[]> => ((await vipHolders(LAB, [VIP]))[VIP] ?? []).sort();
/** the states the notify script recorded on a host, in order */
const notified = async (host: string): Promise<string[]> =>
  (await sh(host, `cat ${LOG} 2>/dev/null || true`)).split('\n').filter(Boolean).map((l) => l.split(' ')[1] ?? '');

describe.skipIf(!canRun)('keepalived role options on a lab: notify scripts, track_interface, virtual_ipaddress_excluded', () => {
  let tmp = '';
  let varsFile = '';
  beforeAll(async () => {
    await labUpOrThrow(LAB);
    tmp = mkdtempSync(join(tmpdir(), `${LAB}-`));
    varsFile = join(tmp, 'vars.yml');
    writeFileSync(
      varsFile,
      [
        `keepalived_notify_scripts: [{src: ${join(repoRoot, 'test', 'fixtures', 'keepalived-notify', 'on-state.sh.j2')}, dest: /etc/keepalived/on-state.sh}]`,
        'keepalived_notify_master: /etc/keepalived/on-state.sh master',
        'keepalived_notify_backup: /etc/keepalived/on-state.sh backup',
        'keepalived_notify_fault: /etc/keepalived/on-state.sh fault',
        `hapb_test_notify_log: ${LOG}`,
        'keepalived_track_interfaces: [trk0]',
        `keepalived_metrics_textfile: ${PROM}`,
        `keepalived_virtual_ipaddress_excluded: ["${EXCLUDED}/24 dev ens33"]`,
        '',
      ].join('\n'),
    );
    // the tracked link: a veth pair inside each director (keepalived -t refuses an interface that does not exist)
    for (const h of ['master', 'backup']) await sh(h, 'ip link add trk0 type veth peer name trk1 && ip link set trk0 up && ip link set trk1 up');
  }, 600_000);
  afterAll(async () => {
    await labDownQuietly(LAB);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  it('converges with the options, and a second converge changes nothing', async () => {
    const args = ['run', 'playbooks/site.yml', '-i', labInventoryPath(LAB), '-e', `@${varsFile}`, '-o', 'json'];
    const first = await hapbAsync(args, 300_000);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    const conf = await sh('master', 'cat /etc/keepalived/keepalived.conf');
    expect(conf).toContain('notify_master "/etc/keepalived/hapb-notify-master.sh master" root');
    expect(conf).toContain('track_interface {\n        trk0\n    }');
    expect(await sh('master', 'stat -c "%U %a" /etc/keepalived/on-state.sh')).toBe('root 755\n');
    // keepalived was running before (a reload notifies nothing): the converge seeded the textfile from its state
    await waitFor('VIP holders', holders, (h) => h.join() === 'master');
    expect(await metrics('master')).toEqual(['keepalived_vrrp_state{instance="VI_1"} 2', 'keepalived_vrrp_priority{instance="VI_1"} 100', 'keepalived_vrrp_transitions_total{instance="VI_1"} 0']);
    expect(await metrics('backup')).toEqual(['keepalived_vrrp_state{instance="VI_1"} 1', 'keepalived_vrrp_priority{instance="VI_1"} 90', 'keepalived_vrrp_transitions_total{instance="VI_1"} 0']);
    const again = await hapbAsync(args, 300_000);
    expect(again.code).toBe(0);
    const stats = (JSON.parse(again.stdout) as { stats: Record<string, { changed: number }> }).stats;
    expect(Object.entries(stats).filter(([, s]) => s.changed !== 0)).toEqual([]);
  }, 600_000);

  it('virtual_ipaddress_excluded: the extra address sits with the VIP on master only', async () => {
    await waitFor('VIP holders', holders, (h) => h.join() === 'master');
    expect(await sh('master', 'ip -br -4 addr show ens33')).toContain(`${EXCLUDED}/24`);
    expect(await sh('backup', 'ip -br -4 addr show ens33')).not.toContain(EXCLUDED);
  }, 60_000);

  it("the tracked link down on master: master in FAULT (notify_fault), backup MASTER (notify_master through the wrapper); up again: both notified back", async () => {
    await sh('master', 'ip link set trk0 down');
    await waitFor('VIP holders', holders, (h) => h.join() === 'backup');
    expect(await waitFor('master notified', () => notified('master'), (n) => n.includes('fault'))).toEqual(['fault']);
    expect(await waitFor('backup notified', () => notified('backup'), (n) => n.includes('master'))).toEqual(['master']);
    expect(await sh('backup', 'ip -br -4 addr show ens33')).toContain(EXCLUDED);
    const status = await hapbAsync(['status', '-i', labInventoryPath(LAB), '--no-drift', '-o', 'json'], 120_000);
    expect(status.code).toBe(2);
    expect(status.stdout).toContain('"master: vrrp_instance VI_1 is in state FAULT"');

    await sh('master', 'ip link set trk0 up');
    // preempt_delay 5 s: master waits as BACKUP, then takes the VIP back
    await waitFor('VIP holders', holders, (h) => h.join() === 'master');
    expect(await waitFor('master notified', () => notified('master'), (n) => n.at(-1) === 'master')).toEqual(['fault', 'backup', 'master']);
    expect(await waitFor('backup notified', () => notified('backup'), (n) => n.at(-1) === 'backup')).toEqual(['master', 'backup']);
    // the metrics textfile followed every transition: master FAULT, BACKUP, MASTER; backup MASTER, BACKUP
    expect(await waitFor('master metrics', () => metrics('master'), (m) => m.includes('keepalived_vrrp_transitions_total{instance="VI_1"} 3'))).toEqual([
      'keepalived_vrrp_state{instance="VI_1"} 2',
      'keepalived_vrrp_priority{instance="VI_1"} 100',
      'keepalived_vrrp_transitions_total{instance="VI_1"} 3',
    ]);
    expect(await waitFor('backup metrics', () => metrics('backup'), (m) => m.includes('keepalived_vrrp_transitions_total{instance="VI_1"} 2'))).toEqual([
      'keepalived_vrrp_state{instance="VI_1"} 1',
      'keepalived_vrrp_priority{instance="VI_1"} 90',
      'keepalived_vrrp_transitions_total{instance="VI_1"} 2',
    ]);
  }, 120_000);

  it('keepalived_service_rt_priority: every keepalived process at SCHED_RR with a LimitRTTIME, at once and after a restart; reloads kill nothing and move nothing; off again: back to SCHED_OTHER', async () => {
    /** per keepalived process of a host: "POLICY PRIORITY RTTIME-LIMIT" */
    const sched = async (host: string): Promise<string[]> => {
      const script = [
        'for p in $(pidof keepalived); do',
        '  policy=$(chrt -p $p | sed -n "s/.*policy: //p")',
        '  prio=$(chrt -p $p | sed -n "s/.*priority: //p")',
        "  limit=$(awk '/^Max realtime timeout/ {print $4}' /proc/$p/limits)",
        '  echo "$policy $prio $limit"',
        'done',
      ].join('\n');
      return (await sh(host, script)).split('\n').filter(Boolean);
    };
    const converge = async (extra: string[]): Promise<void> => {
      const r = await hapbAsync(['run', 'playbooks/site.yml', '-i', labInventoryPath(LAB), '--limit', 'directors', '-e', `@${varsFile}`, ...extra], 300_000);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
    };
    await waitFor('VIP holders', holders, (h) => h.join() === 'master');
    const since = (await sh('master', 'date +%s')).trim();
    await converge(['-e', 'keepalived_service_rt_priority=40', '-e', 'keepalived_service_rttime_limit=500000']);
    // the running processes moved without a restart (same PIDs): parent and VRRP child
    for (const h of ['master', 'backup']) expect(await sched(h)).toEqual(['SCHED_RR 40 500000', 'SCHED_RR 40 500000']);
    for (let i = 0; i < 3; i++) for (const h of ['backup', 'master']) await sh(h, 'systemctl reload keepalived');
    await sh('backup', 'systemctl restart keepalived'); // a fresh start gets it from the drop-in
    expect(await sched('backup')).toEqual(['SCHED_RR 40 500000', 'SCHED_RR 40 500000']);
    await new Promise((r) => setTimeout(r, 2000));
    for (const h of ['master', 'backup']) {
      const log = await sh(h, `journalctl -u keepalived --since @${since} --no-pager -q`);
      expect(log, h).not.toMatch(/exited due to signal|cannot set realtime rlimit/);
      expect(await sched(h)).toEqual(['SCHED_RR 40 500000', 'SCHED_RR 40 500000']);
    }
    expect(await sh('master', `journalctl -u keepalived --since @${since} --no-pager -q`)).not.toMatch(/Entering (BACKUP|FAULT) STATE/);
    expect(await holders()).toEqual(['master']);

    await converge([]);
    for (const h of ['master', 'backup']) expect((await sched(h)).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['SCHED_OTHER 0', 'SCHED_OTHER 0']);
  }, 600_000);
});
