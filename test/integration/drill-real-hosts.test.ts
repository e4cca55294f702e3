/**
 * The drill over SSH only (issue 15): a lab reached through its inventory like
 * real hosts (`hapb drill -i <lab inventory> --client client`), the built CLI
 * as a user runs it. The test looks at the machines itself with `hapb lab
 * exec` (nsenter), never through the drill.
 *
 * - the real-host plan on profile hapb: 0 failed requests besides those
 *   inside a dying director, in every scenario but lb-partition; exit 0;
 * - Ctrl-C (SIGINT) mid-fault: the fault is undone before the drill exits 130;
 * - SIGKILL of the controller mid-fault: the fault stays, and the dead-man
 *   timer on the host undoes it; the cluster is healthy again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DrillReport } from '../../src/drill/types.js';
import { labInventoryPath } from '../../src/lab/paths.js';
import { repoRoot } from '../helpers/cli.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { hapbAsync, parseReport, type Run, unmarked } from '../helpers/drill-cli.js';
import { sharedLab, sharedLabName } from '../helpers/shared-lab.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = sharedLabName();
const inventory = labInventoryPath(LAB);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function inMachine(host: string, script: string): Promise<string> {
  const r = await hapbAsync(['lab', 'exec', '--name', LAB, host, '--', 'sh', '-c', script], 30_000);
  return r.stdout.trim();
}

/** until master holds the VIP on its LAN interface again (the hand-back after a fault), or 60 s */
async function waitForMasterHoldsVip(): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if ((await inMachine('master', "ip -4 -o addr show | grep -v ' lo ' | grep -c ' 192.168.0.150/'; true")) === '1') return;
    await sleep(1000);
  }
  throw new Error('master did not take the VIP back within 60 s');
}

/** start the drill; resolves with the child once its stderr shows `pattern` */
function drillUntil(args: string[], pattern: RegExp, timeoutMs: number): Promise<{ child: ChildProcess; done: Promise<Run> }> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'hapb'), 'drill', '-i', inventory, '--client', 'client', '--yes', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<Run>((res) => child.on('close', (code, signal) => res({ code: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout: out, stderr: err })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ${pattern} within ${timeoutMs} ms; stderr:\n${err.slice(-2000)}`));
    }, timeoutMs);
    // a drill that ends before the pattern (a refusal, an error) fails at once, with what it said
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!pattern.test(err)) reject(new Error(`the drill ended (exit ${String(code)}) before ${pattern}; stderr:\n${err.slice(-2000)}`));
    });
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
      if (pattern.test(err)) {
        clearTimeout(timer);
        resolve({ child, done });
      }
    });
  });
}

describe.skipIf(!canRun)('hapb drill -i <lab inventory>: over SSH only', () => {
  let run: Run;
  let report: DrillReport;

  beforeAll(async () => {
    await sharedLab();
    run = await hapbAsync(['drill', '-i', inventory, '--client', 'client', '--yes', 'real-host', '-o', 'json', '--report', 'out/test-drill-real-hosts'], 900_000);
    report = parseReport(run);
  }, 1_500_000);

  it('runs the real-host scenarios of the issue, none needing a lab', () => {
    expect(report.results.map((r) => r.scenario)).toEqual([
      'baseline',
      'lb-nginx-killed',
      'lb-recover',
      'lb-nginx-stopped',
      'keepalived-killed',
      'keepalived-stopped',
      'backend-stopped',
      'backend-started',
      'lb-partition',
      'converge-under-load',
    ]);
    // the faults were made: nginx killed on the VIP holder, VRRP blocked both ways
    const killed = report.results.find((r) => r.scenario === 'lb-nginx-killed');
    expect(killed?.events.some((e) => e.kind === 'fault' && /nginx killed on master/.test(e.label))).toBe(true);
    expect(run.stderr).toMatch(/VRRP from 192\.168\.0\.41 dropped on master/);
    expect(run.stderr).toMatch(/VRRP from 192\.168\.0\.40 dropped on backup/);
  });

  it('profile hapb loses nothing: 0 failed requests besides those inside a dying director (lb-partition reported only)', () => {
    for (const r of report.results) {
      expect(r.error, r.scenario).toBeUndefined();
      expect(r.summary.total, r.scenario).toBeGreaterThan(0);
      if (r.scenario === 'lb-partition') continue;
      const judged = r.records.filter((x) => x.kind !== 'ok' && x.lostWith === undefined);
      expect(judged.map((x) => `${x.seq}:${x.kind}`), `${r.scenario}: ${unmarked(r)}`).toEqual([]);
    }
    expect(report.pass).toBe(true);
    expect(run.code).toBe(0);
  });

  it('leaves no fault and no dead-man timer behind', async () => {
    for (const h of ['master', 'backup', 'web1', 'web2']) {
      expect(await inMachine(h, "nft list tables | grep hapb_drill; systemctl list-timers --all --no-legend 'hapb-drill-dm-*' | grep hapb; true"), h).toBe('');
    }
  });

  it('Ctrl-C mid-fault undoes the fault at once and exits 130', async () => {
    const { child, done } = await drillUntil(['lb-nginx-stopped', '--deadman', '300'], /fault: nginx stopped on master/, 180_000);
    await sleep(1000);
    expect(await inMachine('master', 'systemctl is-active nginx; true')).not.toBe('active');
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: undoing every fault in place \(1\)/);
    // undone by the drill, long before its 300 s timer
    expect(await inMachine('master', 'systemctl is-active nginx; true')).toBe('active');
    expect(await inMachine('master', "systemctl list-timers --all --no-legend 'hapb-drill-dm-*' | grep -c hapb; true")).toBe('0');
  }, 300_000);

  it('SIGKILL of the controller mid-fault: the dead-man timer on the host heals the cluster', async () => {
    const deadman = 10;
    // the previous test gave the VIP to backup; the master takes it back after keepalived's preempt_delay
    await waitForMasterHoldsVip();
    const { child, done } = await drillUntil(['lb-partition', '--deadman', String(deadman)], /dropped on backup/, 180_000);
    await sleep(1500); // the log line comes just before the command: let it land
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await done;
    // the partition is in place on both directors, and nobody is left to undo it
    expect(await inMachine('master', 'nft list tables')).toContain('hapb_drill_vrrp');
    expect(await inMachine('backup', 'nft list tables')).toContain('hapb_drill_vrrp');
    // the timers fire `deadman` s after arming; give them that and the VIP 10 s to settle
    let healthy = false;
    let last = '';
    while (Date.now() - killedAt < (deadman + 30) * 1000) {
      const tables = (await inMachine('master', 'nft list tables')) + (await inMachine('backup', 'nft list tables'));
      const vipMaster = await inMachine('master', 'ip -o -4 addr show ens33');
      const vipBackup = await inMachine('backup', 'ip -o -4 addr show ens33');
      last = `${tables}\nmaster: ${vipMaster}\nbackup: ${vipBackup}`;
      if (!tables.includes('hapb_drill') && vipMaster.includes('192.168.0.150/') && !vipBackup.includes('192.168.0.150/')) {
        healthy = true;
        break;
      }
      await sleep(1000);
    }
    expect(healthy, last).toBe(true);
    expect(Date.now() - killedAt).toBeGreaterThan((deadman - 3) * 1000);
    // and the drill agrees: a fresh run finds the cluster healthy and runs
    const again = await hapbAsync(['drill', '-i', inventory, '--client', 'client', '--yes', 'baseline', '-o', 'json'], 180_000);
    expect(again.stderr).not.toMatch(/refusing to start/);
    expect(parseReport(again).pass).toBe(true);
  }, 300_000);

  it('refuses to start on a degraded cluster', async () => {
    await inMachine('web2', 'systemctl stop nginx');
    try {
      const r = await hapbAsync(['drill', '-i', inventory, '--client', 'client', '--yes', 'baseline'], 120_000);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/refusing to start: the cluster is degraded: nginx inactive on web2/);
    } finally {
      await inMachine('web2', 'systemctl start nginx');
    }
  }, 200_000);
});
