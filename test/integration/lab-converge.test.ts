/**
 * The point of the lab: `lab up` converges the seed topology with hapb's own
 * engine over real SSH, and the classic failover test then works verbatim:
 * curl the VIP from the client, killall nginx on master, see where the VIP is,
 * stop nginx on web1, pull master's plug.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { execIn, labDown, labUp, poweroff, poweron, vipHolders, type ConvergeRequest } from '../../src/lab/index.js';
import { main } from '../../src/cli/program.js';
import { labInventoryPath } from '../../src/lab/paths.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = `t-labc-${process.pid}`;
const VIP = '192.168.0.150';
const seed = new URL('../../inventory/seed.yml', import.meta.url).pathname;

/** `hapb run` in this process; returns its exit code and what it printed on stdout */
async function hapbRun(req: ConvergeRequest, extra: string[] = []): Promise<{ rc: number; stdout: string }> {
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  try {
    const before = process.exitCode;
    const rc = await main(['node', 'hapb', 'run', req.playbook, '-i', req.inventory, '-e', `@profiles/${req.profile}.yml`, '--no-progress', ...extra]);
    process.exitCode = before;
    return { rc, stdout };
  } finally {
    process.stdout.write = write;
  }
}

async function get(path = '/'): Promise<string> {
  const r = await execIn(LAB, 'client', ['curl', '-s', '-m', '3', `http://${VIP}${path}`]);
  return r.rc === 0 ? r.stdout.trim() : `curl rc ${r.rc}`;
}

describe.skipIf(!canRun)('lab up converges the seed topology over SSH', () => {
  let firstRun = -1;
  beforeAll(async () => {
    await labDown(LAB);
    await labUp({
      name: LAB,
      inventory: seed,
      converge: async (req) => {
        firstRun = (await hapbRun(req)).rc;
        if (firstRun !== 0) throw new Error(`converge exited ${firstRun}`);
      },
    });
  }, 600_000);
  afterAll(async () => {
    await labDown(LAB);
  });

  it('lab up returns once the cluster has settled: the VIP already on master, every service active', async () => {
    // no polling: profile hapb's master takes the VIP 5 s after the converge (preempt delay); lab up waited for it
    expect(await vipHolders(LAB)).toEqual({ [VIP]: ['master'] });
    for (const host of ['master', 'backup']) {
      expect((await execIn(LAB, host, ['systemctl', 'is-active', 'nginx', 'keepalived', 'hapb-firewall', 'hapb-vip-lo'])).stdout.trim().split('\n')).toEqual([
        'active',
        'active',
        'active',
        'active',
      ]);
    }
  });

  it('converges without failures, and a second run changes nothing', async () => {
    expect(firstRun).toBe(0);
    const again = await hapbRun(
      { lab: LAB, inventory: labInventoryPath(LAB), playbook: 'playbooks/site.yml', profile: 'hapb' },
      ['-o', 'json'],
    );
    expect(again.rc).toBe(0);
    // Ansible's json callback document: stats per host, `failures` for failed tasks
    const out = JSON.parse(again.stdout) as { stats: Record<string, { changed: number; failures: number }> };
    expect(Object.keys(out.stats).sort()).toEqual(['backup', 'master', 'web1', 'web2']);
    expect(Object.entries(out.stats).filter(([, s]) => s.changed !== 0 || s.failures !== 0)).toEqual([]);
  });

  it('master takes the VIP and the client reaches both web servers through it', async () => {
    await expect.poll(() => vipHolders(LAB), { timeout: 30_000, interval: 250 }).toEqual({ [VIP]: ['master'] });
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await get());
    expect([...seen].sort()).toEqual(['web1', 'web2']);
  });

  it('killall nginx on master: the VIP still answers', async () => {
    expect((await execIn(LAB, 'master', ['killall', 'nginx'])).rc).toBe(0);
    for (let i = 0; i < 5; i++) expect(['web1', 'web2']).toContain(await get());
    const holders = (await vipHolders(LAB))[VIP] ?? [];
    expect(holders.length).toBe(1);
  });

  it('systemctl stop nginx on web1: every answer comes from web2', async () => {
    expect((await execIn(LAB, 'web1', ['systemctl', 'stop', 'nginx'])).rc).toBe(0);
    for (let i = 0; i < 4; i++) expect(await get()).toBe('web2');
    await execIn(LAB, 'web1', ['systemctl', 'start', 'nginx']);
  });

  it('master powered off: backup takes the VIP; powered on: master takes it back', async () => {
    await expect.poll(() => vipHolders(LAB), { timeout: 30_000, interval: 250 }).toEqual({ [VIP]: ['master'] });
    await poweroff(LAB, 'master');
    await expect.poll(() => vipHolders(LAB), { timeout: 15_000, interval: 100 }).toEqual({ [VIP]: ['backup'] });
    expect(['web1', 'web2']).toContain(await get());
    await poweron(LAB, 'master');
    await expect.poll(() => vipHolders(LAB), { timeout: 30_000, interval: 250 }).toEqual({ [VIP]: ['master'] });
    expect(['web1', 'web2']).toContain(await get());
  });
});
