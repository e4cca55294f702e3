/**
 * `reboot` on a lab machine: systemd-nspawn exits with 133 when the machine
 * reboots and the machine's supervisor (src/lab/machine.ts) boots it again, so
 * Ansible's reboot module run by hapb over SSH sees the host come back with a
 * new boot id, and the lab keeps working (network, exec, poweroff/poweron, down).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { hapb } from '../helpers/cli.js';
import { execIn, labDown, labInventoryPath, labStatus, labUp, loadLab, poweroff, poweron } from '../../src/lab/index.js';
import { machineOf } from '../../src/lab/state.js';
import { findMachineNspawns } from '../../src/lab/procs.js';
import { findLeader, findNspawn } from '../../src/lab/machine.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = `t-reboot-${process.pid}`;
const pair = new URL('../fixtures/lab/pair.yml', import.meta.url).pathname;
const playbook = new URL('../fixtures/lab/reboot.yml', import.meta.url).pathname;

const bootId = async (host: string): Promise<string> => (await execIn(LAB, host, ['cat', '/proc/sys/kernel/random/boot_id'])).stdout.trim();
const reaches = async (from: string, to: string): Promise<boolean> => (await execIn(LAB, from, ['ping', '-n', '-c', '1', '-W', '1', to])).rc === 0;
const live = (host: string): number[] =>
  findMachineNspawns(`hapb-${LAB}-${host}`).filter((pid) => {
    try {
      return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  });

describe.skipIf(!canRun)('reboot on a lab machine', () => {
  beforeAll(async () => {
    await labDown(LAB);
    await labUp({ name: LAB, inventory: pair, converge: false });
  }, 600_000);
  afterAll(async () => {
    await labDown(LAB);
  });

  it('hapb runs the reboot module over SSH: the machine comes back with a new boot id, the lab still works', async () => {
    const m = machineOf(loadLab(LAB), 'master');
    const supervisor = m.pid ?? -1;
    const nspawnBefore = findNspawn(supervisor);
    const leaderBefore = findLeader(supervisor);
    const idBefore = await bootId('master');
    const clientId = await bootId('client');

    const r = hapb(['run', playbook, '-i', labInventoryPath(LAB), '--limit', 'master']);
    expect(r.stderr + r.stdout).toMatch(/master\s+: ok=5\s+changed=1\s+unreachable=0\s+failed=0/);
    expect(r.code).toBe(0);
    // the ids the playbook saw are the ones seen from outside, before and after
    const idAfter = await bootId('master');
    expect(idAfter).not.toBe(idBefore);
    expect(r.stdout).toContain(`"msg": "${idBefore} ${idAfter}"`);

    // same supervisor, a new nspawn and a new PID 1; the other machine untouched
    expect(loadLab(LAB).machines.find((x) => x.host === 'master')?.pid).toBe(supervisor);
    expect(findNspawn(supervisor)).not.toBe(nspawnBefore);
    expect(findLeader(supervisor)).not.toBe(leaderBefore);
    expect(await bootId('client')).toBe(clientId);
    expect(readFileSync(`${m.dir}/console.log`, 'utf8')).toContain('hapb lab: the machine rebooted, booting it again');

    // the lab still works: status, the switch both ways, SSH again
    const status = await labStatus(LAB);
    expect(status.machines.map((x) => [x.host, x.power])).toEqual([
      ['master', 'on'],
      ['client', 'on'],
    ]);
    expect(await reaches('client', '192.168.0.40')).toBe(true);
    expect(await reaches('master', '192.168.0.10')).toBe(true);
    const again = hapb(['run', playbook, '-i', labInventoryPath(LAB), '--limit', 'client']);
    expect(again.code).toBe(0);
  }, 180_000);

  it('a reboot from inside (systemctl reboot) boots it again too; poweroff then leaves no process, poweron boots it', async () => {
    const before = await bootId('master');
    await execIn(LAB, 'master', ['systemctl', 'reboot']);
    await expect
      .poll(async () => (await execIn(LAB, 'master', ['cat', '/proc/sys/kernel/random/boot_id']).catch(() => ({ stdout: before }))).stdout.trim(), {
        timeout: 60_000,
        interval: 500,
      })
      .not.toBe(before);
    await expect.poll(async () => (await execIn(LAB, 'master', ['systemctl', 'is-system-running'])).stdout.trim(), { timeout: 60_000, interval: 500 }).toMatch(/^(running|degraded)$/);

    expect(live('master').length).toBe(2); // the supervisor and its nspawn
    await poweroff(LAB, 'master');
    expect(live('master')).toEqual([]);
    expect(await reaches('client', '192.168.0.40')).toBe(false);
    await poweron(LAB, 'master');
    expect(await reaches('client', '192.168.0.40')).toBe(true);
  }, 180_000);
});
