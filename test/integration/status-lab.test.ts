/**
 * `hapb status` against a real lab, through the built CLI and the lab's
 * inventory (SSH through the lab's ProxyCommand, as `hapb run`): a healthy
 * cluster, a stopped backend, a killed nginx (kept dead), and a split brain
 * made by dropping VRRP inside the backup with nftables. Each time the lab's
 * own view (addresses read from the machines' namespaces) is the reference.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { repoRoot } from '../helpers/cli.js';
import { hapbAsync } from '../helpers/drill-cli.js';
import { sharedLab, sharedLabName } from '../helpers/shared-lab.js';
import { cut, execIn, labInventoryPath, uncut, vipHolders } from '../../src/lab/index.js';
import type { ClusterStatus } from '../../src/status/index.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = sharedLabName();
const VIP = '192.168.0.150';

async function status(extra: string[] = []): Promise<{ code: number; doc: ClusterStatus; stderr: string }> {
  const r = await hapbAsync(['status', '-i', labInventoryPath(LAB), '-o', 'json', ...extra], 180_000);
  try {
    return { code: r.code, doc: JSON.parse(r.stdout) as ClusterStatus, stderr: r.stderr };
  } catch {
    throw new Error(`hapb status exited ${r.code} without JSON; stderr:\n${r.stderr.slice(-3000)}`);
  }
}

async function sh(host: string, script: string): Promise<string> {
  const r = await execIn(LAB, host, ['sh', '-c', script]);
  if (r.rc !== 0) throw new Error(`${host}: ${script}: rc ${r.rc}: ${r.stderr}`);
  return r.stdout;
}

/** poll the lab's own view until `want` holds the VIP alone (or both, for a split brain) */
async function waitHolders(want: string[], timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let now: string[] = [];
  while (Date.now() < until) {
    now = ((await vipHolders(LAB))[VIP] ?? []).sort();
    if (JSON.stringify(now) === JSON.stringify([...want].sort())) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`VIP ${VIP} held by [${now.join(', ')}], not [${want.join(', ')}] within ${timeoutMs} ms`);
}

const director = (doc: ClusterStatus, host: string) => {
  const d = doc.directors.find((x) => x.host === host);
  if (!d) throw new Error(`no director ${host} in the status`);
  return d;
};

describe.skipIf(!canRun)('hapb status on a lab', () => {
  beforeAll(async () => {
    await sharedLab();
  }, 600_000);

  it('a converged lab is healthy: master holds the VIP, priorities as configured, every backend up from both directors, no drift', async () => {
    const { code, doc } = await status();
    expect(doc.problems).toEqual([]);
    expect(code).toBe(0);
    expect(doc.healthy).toBe(true);
    expect(doc.vips).toEqual([{ vip: VIP, holders: ['master'], state: 'ok' }]);
    expect(director(doc, 'master').keepalived.instances.map((i) => [i.state, i.effectivePriority, i.basePriority])).toEqual([['MASTER', 100, 100]]);
    expect(director(doc, 'backup').keepalived.instances.map((i) => [i.state, i.effectivePriority, i.basePriority])).toEqual([['BACKUP', 90, 90]]);
    for (const d of doc.directors) {
      expect(d.nginx).toEqual({ active: 'active', configValid: true });
      expect(d.backends.map((b) => [b.host, b.state, b.probe])).toEqual([
        ['web1', 'up', 'HTTP 200'],
        ['web2', 'up', 'HTTP 200'],
      ]);
    }
    expect(doc.drift?.changes).toEqual({ backup: [], master: [], web1: [], web2: [] });
    expect(doc.drift?.errors).toEqual({});
    // and as text for people
    const text = await hapbAsync(['status', '-i', labInventoryPath(LAB), '--no-drift'], 120_000);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/: HEALTHY\n/);
    expect(text.stdout).toMatch(/192\.168\.0\.150\s+master\n/);
  }, 240_000);

  it('a stopped backend: down as seen from each director, its nginx inactive, exit 2', async () => {
    await sh('web1', 'systemctl stop nginx');
    try {
      const { code, doc } = await status(['--no-drift']);
      expect(code).toBe(2);
      expect(doc.healthy).toBe(false);
      for (const d of doc.directors) {
        const views = Object.fromEntries(d.backends.map((b) => [b.host, b.state]));
        expect(views).toEqual({ web1: 'down', web2: 'up' });
        expect(d.backends.find((b) => b.host === 'web1')?.probe).toBe('connection refused');
      }
      expect(doc.backends.map((b) => [b.host, b.nginx])).toEqual([
        ['web1', 'inactive'],
        ['web2', 'active'],
      ]);
      expect(doc.problems).toContain('master: backend web1 is down (connection refused)');
      expect(doc.problems).toContain('backup: backend web1 is down (connection refused)');
      expect(doc.vips[0]?.state).toBe('ok');
    } finally {
      await sh('web1', 'systemctl start nginx');
    }
  }, 240_000);

  it("an invalid nginx.conf on backup (nginx still runs the old one): nginx -t fails, drift says the role would rewrite it", async () => {
    await sh('backup', 'cp /etc/nginx/nginx.conf /root/nginx.conf.status-test && sed -i "1i hapb_status_test_bogus on;" /etc/nginx/nginx.conf');
    try {
      const { code, doc } = await status();
      expect(code).toBe(2);
      const b = director(doc, 'backup');
      expect(b.nginx.active).toBe('active');
      expect(b.nginx.configValid).toBe(false);
      expect(b.nginx.configTest).toMatch(/unknown directive "hapb_status_test_bogus"/);
      expect(director(doc, 'master').nginx.configValid).toBe(true);
      expect(doc.problems.filter((p) => p.startsWith('backup: nginx -t fails'))).toHaveLength(1);
      expect(doc.drift?.changes.backup).toContain('nginx_director : Write nginx.conf (the upstream is the web group of the inventory)');
    } finally {
      await sh('backup', 'cp /root/nginx.conf.status-test /etc/nginx/nginx.conf && rm /root/nginx.conf.status-test');
    }
  }, 240_000);

  it('a web host cut off the switch: unreachable, and down as seen from both directors', async () => {
    await cut(LAB, 'web2');
    try {
      const { code, doc } = await status(['--no-drift', '-T', '3']);
      expect(code).toBe(2);
      const web2 = doc.backends.find((b) => b.host === 'web2');
      expect(web2?.reachable).toBe(false);
      expect(doc.problems.some((p) => p.startsWith('web2: unreachable'))).toBe(true);
      for (const d of doc.directors) expect(d.backends.find((b) => b.host === 'web2')?.state).toBe('down');
    } finally {
      await uncut(LAB, 'web2');
    }
  }, 240_000);

  it('a killed nginx on master (kept dead): nginx failed, master in FAULT, the VIP on backup, drift says nginx would be started', async () => {
    // profile hapb restarts a dead nginx within 1 s: a runtime drop-in keeps it dead for the test
    await sh('master', 'mkdir -p /run/systemd/system/nginx.service.d && printf "[Service]\\nRestart=no\\n" > /run/systemd/system/nginx.service.d/zz-status-test.conf && systemctl daemon-reload && systemctl kill -s KILL nginx');
    try {
      await waitHolders(['backup']);
      const { code, doc } = await status();
      expect(code).toBe(2);
      const m = director(doc, 'master');
      expect(m.nginx.active).not.toBe('active');
      expect(m.keepalived.instances.map((i) => i.state)).toEqual(['FAULT']);
      expect(director(doc, 'backup').keepalived.instances.map((i) => i.state)).toEqual(['MASTER']);
      expect(doc.vips).toEqual([{ vip: VIP, holders: ['backup'], state: 'ok' }]);
      expect(doc.problems).toContain(`master: nginx is ${m.nginx.active}`);
      expect(doc.problems).toContain('master: vrrp_instance VI_1 is in state FAULT');
      expect(doc.drift?.changes.master).toContain('nginx_director : Keep nginx running and enabled');
      expect(doc.drift?.changes.backup).toEqual([]);
    } finally {
      await sh('master', 'rm -f /run/systemd/system/nginx.service.d/zz-status-test.conf && systemctl daemon-reload && systemctl start nginx');
      await waitHolders(['master']);
    }
  }, 240_000);

  it('a split brain (VRRP dropped inside backup with nftables): both directors MASTER, both named as holders, exit 2', async () => {
    await sh('backup', 'nft add table inet hapb_status_test && nft add chain inet hapb_status_test input "{ type filter hook input priority -10; policy accept; }" && nft add rule inet hapb_status_test input ip protocol 112 drop');
    try {
      await waitHolders(['backup', 'master']);
      const { code, doc } = await status(['--no-drift']);
      expect(code).toBe(2);
      expect(doc.vips).toEqual([{ vip: VIP, holders: ['backup', 'master'], state: 'split-brain' }]);
      expect(doc.directors.map((d) => d.keepalived.instances[0]?.state)).toEqual(['MASTER', 'MASTER']);
      expect(doc.problems).toContain(`SPLIT BRAIN: backup and master both hold VIP ${VIP}`);
      const text = await hapbAsync(['status', '-i', labInventoryPath(LAB), '--no-drift'], 120_000);
      expect(text.code).toBe(2);
      expect(text.stdout).toMatch(/192\.168\.0\.150\s+SPLIT BRAIN: backup, master/);
    } finally {
      await sh('backup', 'nft delete table inet hapb_status_test');
      await waitHolders(['master']);
    }
  }, 240_000);

  it('a login that is not root: without -b one problem says so; with -b (sudo) the same healthy status as root', async () => {
    for (const h of ['master', 'backup', 'web1', 'web2']) {
      await sh(h, 'id ops >/dev/null 2>&1 || useradd -m -s /bin/sh ops; mkdir -p ~ops/.ssh && cp /root/.ssh/authorized_keys ~ops/.ssh/ && chown -R ops ~ops/.ssh && echo "ops ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops');
    }
    const inv = join(tmpdir(), `${LAB}-ops.yml`);
    writeFileSync(inv, readFileSync(labInventoryPath(LAB), 'utf8').replace(/ansible_user: root/g, 'ansible_user: ops'));
    try {
      const plain = await hapbAsync(['status', '-i', inv, '--no-drift', '-o', 'json'], 120_000);
      const doc = JSON.parse(plain.stdout) as ClusterStatus;
      expect(plain.code).toBe(2);
      expect(doc.problems).toEqual(['backup', 'master'].map((h) => `${h}: reads as uid 1000, not root: nginx -t and keepalived's state need root (pass -b, or set ansible_become)`));
      expect(doc.vips).toEqual([{ vip: VIP, holders: ['master'], state: 'ok' }]);
      const sudo = await hapbAsync(['status', '-i', inv, '-b', '-o', 'json'], 180_000);
      const sdoc = JSON.parse(sudo.stdout) as ClusterStatus;
      expect(sdoc.problems).toEqual([]);
      expect(sudo.code).toBe(0);
      expect(sdoc.directors.map((d) => [d.host, d.privileged, d.keepalived.instances[0]?.state, d.nginx.configValid])).toEqual([
        ['backup', true, 'BACKUP', true],
        ['master', true, 'MASTER', true],
      ]);
    } finally {
      rmSync(inv, { force: true });
    }
  }, 300_000);

  it('--watch refreshes until interrupted (one JSON document per line) and exits with the last verdict', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'hapb'), 'status', '-i', labInventoryPath(LAB), '--no-drift', '-o', 'json', '--watch', '1'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    const lines = (): string[] => out.split('\n').filter((l) => l.trim() !== '');
    const until = Date.now() + 60_000;
    while (lines().length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    expect(lines().length).toBeGreaterThanOrEqual(2);
    const docs = lines().map((l) => JSON.parse(l) as ClusterStatus);
    expect(docs.every((d) => d.vips[0]?.holders.join() === 'master')).toBe(true);
    expect(new Set(docs.map((d) => d.time)).size).toBe(docs.length);
    expect(code).toBe(0);
  }, 120_000);
});
