/**
 * Real lab machines: systemd-nspawn over a debootstrap image, a sealed switch in
 * its own namespace, real OpenSSH through the lab proxy. One lab is shared by
 * the tests of this file (booting takes about a second once the image is cached;
 * the first image build takes about a minute).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import {
  cut,
  execIn,
  heal,
  labDown,
  labInventoryPath,
  labKeyPath,
  labKnownHostsPath,
  labStatus,
  labUp,
  loadLab,
  partition,
  readState,
  poweroff,
  poweron,
  proxyCommand,
  uncut,
  vipHolders,
} from '../../src/lab/index.js';
import { labDir, labRunDir } from '../../src/lab/paths.js';
import { findMachineNspawns } from '../../src/lab/procs.js';
import { machineCgroups, rootLockName } from '../../src/lab/machine.js';
import { registerLabCommands } from '../../src/cli/lab.js';
import { createConnection } from '../../src/connection/index.js';
import { hostVars, loadInventory } from '../../src/inventory/index.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = `t-lab-${process.pid}`;
const LAB2 = `t-lab2-${process.pid}`;
const seed = new URL('../../inventory/seed.yml', import.meta.url).pathname;
const pair = new URL('../fixtures/lab/pair.yml', import.meta.url).pathname;
const VIP = '192.168.0.150';
const viteNode = new URL('../../node_modules/.bin/vite-node', import.meta.url).pathname;
const childScript = new URL('../fixtures/lab/up-child.ts', import.meta.url).pathname;

async function sh(lab: string, host: string, script: string): Promise<{ rc: number | null; out: string }> {
  const r = await execIn(lab, host, ['sh', '-c', script]);
  return { rc: r.rc, out: r.stdout.trim() };
}

/** one ICMP echo from `from` to `to`; true when answered */
async function reaches(lab: string, from: string, to: string): Promise<boolean> {
  return (await execIn(lab, from, ['ping', '-n', '-c', '1', '-W', '1', to])).rc === 0;
}

/** every resource the lab may have left behind */
function leftovers(lab: string): string[] {
  const out: string[] = [];
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  out.push(...netns.filter((n) => n.startsWith(`hapb-${lab}-`)).map((n) => `netns ${n}`));
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '');
  out.push(...mounts.filter((m) => m.startsWith(labDir(lab) + '/')).map((m) => `mount ${m}`));
  for (const host of ['master', 'backup', 'web1', 'web2', 'client']) {
    const live = findMachineNspawns(`hapb-${lab}-${host}`).filter((pid) => !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));
    out.push(...live.map((pid) => `process ${pid}`));
    out.push(...machineCgroups({ machine: `hapb-${lab}-${host}` } as never).filter((d) => existsSync(d)).map((d) => `cgroup ${d}`));
    const propagate = `/run/systemd/nspawn/propagate/hapb-${lab}-${host}`;
    if (existsSync(propagate)) out.push(`dir ${propagate}`);
  }
  for (const d of [labDir(lab), labRunDir(lab)]) if (existsSync(d)) out.push(`dir ${d}`);
  const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  if (/\bp\d+-(master|backup|web1|web2|client)\b/.test(links)) out.push('a lab veth in the root namespace');
  return out;
}

describe.skipIf(!canRun)('lab machines', () => {
  // the first run on a box builds the image (debootstrap: one to three minutes)
  beforeAll(async () => {
    await labDown(LAB);
    await labUp({ name: LAB, inventory: seed, converge: false });
  }, 600_000);
  afterAll(async () => {
    await labDown(LAB2);
    await labDown(LAB);
  });

  it('boots one machine per host, each with its own hostname, machine-id and address', async () => {
    const ids = new Set<string>();
    for (const m of loadLab(LAB).machines) {
      const r = await sh(LAB, m.host, 'hostname; cat /etc/machine-id; ip -4 -o addr show dev ens33 | awk "{print \\$4}"; systemctl is-system-running');
      const [hostname, id, addr, system] = r.out.split('\n');
      expect(hostname).toBe(m.host);
      expect(addr).toBe(`${m.address}/24`);
      expect(['running', 'degraded']).toContain(system);
      ids.add(id ?? '');
    }
    expect(ids.size).toBe(5);
  });

  it('each machine sees only its own processes: killall nginx in one leaves the others', async () => {
    for (const h of ['master', 'web1']) expect((await sh(LAB, h, 'systemctl start nginx && systemctl is-active nginx')).out).toBe('active');
    expect((await execIn(LAB, 'client', ['ps', '-C', 'nginx'])).rc).toBe(1);
    expect((await execIn(LAB, 'master', ['ps', '-C', 'nginx'])).rc).toBe(0);
    expect((await execIn(LAB, 'master', ['killall', 'nginx'])).rc).toBe(0);
    await expect.poll(async () => (await execIn(LAB, 'master', ['ps', '-C', 'nginx'])).rc, { timeout: 5000 }).toBe(1);
    expect((await execIn(LAB, 'web1', ['ps', '-C', 'nginx'])).rc).toBe(0);
    expect((await sh(LAB, 'client', 'curl -s -m 2 -o /dev/null -w "%{http_code}" http://192.168.0.42/')).out).toBe('200');
    expect((await sh(LAB, 'client', 'curl -s -m 2 -o /dev/null http://192.168.0.40/; echo $?')).out).toBe('7');
  });

  it('systemd in one machine manages only its own units', async () => {
    await sh(LAB, 'master', 'systemctl start nginx');
    await sh(LAB, 'web1', 'systemctl stop nginx');
    expect((await sh(LAB, 'master', 'systemctl is-active nginx')).out).toBe('active');
    expect((await execIn(LAB, 'master', ['ps', '-C', 'nginx'])).rc).toBe(0);
  });

  it('passes the exit code of a command through, also through the CLI', async () => {
    expect((await execIn(LAB, 'backup', ['sh', '-c', 'exit 7'])).rc).toBe(7);
    expect((await execIn(LAB, 'backup', ['sh', '-c', 'kill -9 $$'])).rc).toBe(137);
    const program = new Command('hapb').exitOverride();
    registerLabCommands(program);
    const before = process.exitCode;
    await program.parseAsync(['lab', 'exec', '--name', LAB, 'backup', '--', 'sh', '-c', 'exit 5'], { from: 'user' });
    expect(process.exitCode).toBe(5);
    process.exitCode = before;
  });

  it('the network is sealed: no default route inside, nothing of the lab in the root namespace', async () => {
    expect((await sh(LAB, 'master', 'ip route show default')).out).toBe('');
    const rootAddrs = execFileSync('ip', ['-o', 'addr'], { encoding: 'utf8' });
    expect(rootAddrs).not.toMatch(/192\.168\.0\.(40|41|42|43|10|254)\//);
    expect(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })).not.toMatch(/\bp\d+-master\b/);
  });

  it('network sysctls are the machine\'s own and writable; kernel ones are not', async () => {
    expect((await sh(LAB, 'master', 'sysctl -qw net.ipv4.conf.ens33.arp_ignore=1 && sysctl -n net.ipv4.conf.ens33.arp_ignore')).out).toBe('1');
    expect((await sh(LAB, 'backup', 'sysctl -n net.ipv4.conf.ens33.arp_ignore')).out).toBe('0');
    expect((await execIn(LAB, 'master', ['sysctl', '-qw', 'kernel.hostname=other'])).rc).not.toBe(0);
  });

  it('real OpenSSH reaches a machine through the lab proxy with the lab key and known_hosts', () => {
    const m = loadLab(LAB).machines.find((x) => x.host === 'web2');
    if (!m) throw new Error('no web2');
    const out = execFileSync(
      'ssh',
      [
        '-F', '/dev/null',
        '-o', 'BatchMode=yes',
        '-o', `ProxyCommand=${proxyCommand(LAB, m.address)}`,
        '-o', `UserKnownHostsFile=${labKnownHostsPath(LAB)}`,
        '-o', 'StrictHostKeyChecking=yes',
        '-i', labKeyPath(LAB),
        `root@${m.address}`,
        'hostname',
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(out.trim()).toBe('web2');
    const inv = readFileSync(labInventoryPath(LAB), 'utf8');
    expect(inv).toContain(`ProxyCommand="${proxyCommand(LAB, m.address)}"`);
  });

  it("hapb's own SSH connection reaches every machine with the lab inventory's variables", async () => {
    const inv = loadInventory(labInventoryPath(LAB));
    for (const host of ['master', 'client']) {
      const conn = createConnection(host, hostVars(inv, host), { sshConfigFile: '/dev/null', timeoutMs: 15_000 });
      try {
        await conn.connect();
        expect((await conn.exec('hostname')).stdout.trim()).toBe(host);
        await conn.put(Buffer.from(`hello ${host}\n`), '/tmp/hapb-put');
        expect((await conn.get('/tmp/hapb-put'))?.toString()).toBe(`hello ${host}\n`);
      } finally {
        await conn.close();
      }
    }
  });

  it('vipHolders and status see which machine holds the VIP', async () => {
    expect(await vipHolders(LAB)).toEqual({ [VIP]: [] });
    expect((await execIn(LAB, 'backup', ['ip', 'addr', 'add', `${VIP}/24`, 'dev', 'ens33'])).rc).toBe(0);
    expect(await vipHolders(LAB)).toEqual({ [VIP]: ['backup'] });
    const st = await labStatus(LAB);
    expect(st.vips[VIP]).toEqual(['backup']);
    expect(st.machines.find((m) => m.host === 'master')?.services.nginx).toBe('active');
    expect(st.machines.find((m) => m.host === 'master')?.services.ssh).toBe('active');
    await execIn(LAB, 'backup', ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'ens33']);
    expect(await vipHolders(LAB)).toEqual({ [VIP]: [] });
  });

  it('keepalived VRRP works on the switch: the VIP moves to backup when master\'s nginx dies', async () => {
    const conf = (prio: number): string => `global_defs {
  enable_script_security
  script_user root
}
vrrp_script chk_nginx {
  script "/usr/bin/killall -0 nginx"
  interval 1
  fall 1
  rise 1
}
vrrp_instance VI_1 {
  state BACKUP
  interface ens33
  virtual_router_id 51
  priority ${prio}
  advert_int 1
  virtual_ipaddress {
    ${VIP}/24
  }
  track_script {
    chk_nginx
  }
}
`;
    for (const [h, prio] of [
      ['master', 150],
      ['backup', 100],
    ] as const) {
      const r = await execIn(LAB, h, ['sh', '-c', 'cat > /etc/keepalived/keepalived.conf && systemctl start nginx keepalived'], { input: conf(prio) });
      expect(r.rc).toBe(0);
    }
    await expect.poll(() => vipHolders(LAB), { timeout: 15_000, interval: 200 }).toEqual({ [VIP]: ['master'] });
    expect((await sh(LAB, 'client', `curl -s -m 2 -o /dev/null -w "%{http_code}" http://${VIP}/`)).out).toBe('200');
    await execIn(LAB, 'master', ['killall', 'nginx']);
    await expect.poll(() => vipHolders(LAB), { timeout: 15_000, interval: 200 }).toEqual({ [VIP]: ['backup'] });
    expect((await sh(LAB, 'client', `curl -s -m 2 -o /dev/null -w "%{http_code}" http://${VIP}/`)).out).toBe('200');
    for (const h of ['master', 'backup']) await sh(LAB, h, 'systemctl stop keepalived');
    await expect.poll(() => vipHolders(LAB), { timeout: 5_000 }).toEqual({ [VIP]: [] });
    await sh(LAB, 'master', 'systemctl start nginx');
  });

  it('cut takes a machine off the switch while it keeps running; uncut brings it back', async () => {
    expect(await reaches(LAB, 'client', '192.168.0.40')).toBe(true);
    await cut(LAB, 'master');
    expect(await reaches(LAB, 'client', '192.168.0.40')).toBe(false);
    expect((await sh(LAB, 'master', 'systemctl is-active nginx')).out).toBe('active');
    await uncut(LAB, 'master');
    await expect.poll(() => reaches(LAB, 'client', '192.168.0.40'), { timeout: 10_000 }).toBe(true);
  });

  it('faults started together all take effect and are all recorded', async () => {
    await Promise.all([cut(LAB, 'web1'), cut(LAB, 'web2'), partition(LAB, ['master'], ['backup'])]);
    const st = loadLab(LAB);
    expect(st.machines.filter((m) => m.cut).map((m) => m.host).sort()).toEqual(['web1', 'web2']);
    expect(st.partitions).toEqual([{ a: ['master'], b: ['backup'] }]);
    expect(await reaches(LAB, 'client', '192.168.0.43')).toBe(false);
    await Promise.all([uncut(LAB, 'web1'), uncut(LAB, 'web2'), heal(LAB)]);
    expect(loadLab(LAB).machines.some((m) => m.cut)).toBe(false);
    await expect.poll(() => reaches(LAB, 'client', '192.168.0.43'), { timeout: 10_000 }).toBe(true);
    expect(await reaches(LAB, 'master', '192.168.0.41')).toBe(true);
  });

  it('partition drops traffic between the two sets only; heal restores it', async () => {
    await partition(LAB, ['master'], ['client', 'web1']);
    expect(await reaches(LAB, 'client', '192.168.0.40')).toBe(false);
    expect(await reaches(LAB, 'master', '192.168.0.42')).toBe(false);
    expect(await reaches(LAB, 'backup', '192.168.0.40')).toBe(true);
    expect(await reaches(LAB, 'client', '192.168.0.41')).toBe(true);
    await heal(LAB);
    expect(await reaches(LAB, 'client', '192.168.0.40')).toBe(true);
  });

  it('poweroff kills the whole machine at once and removes it from the network; poweron boots the same disk', async () => {
    await sh(LAB, 'web1', 'echo kept > /root/mark');
    await poweroff(LAB, 'web1');
    expect(await reaches(LAB, 'client', '192.168.0.42')).toBe(false);
    expect(existsSync('/run/netns/' + loadLab(LAB).machines.find((m) => m.host === 'web1')?.netns)).toBe(false);
    const st = await labStatus(LAB);
    expect(st.machines.find((m) => m.host === 'web1')?.power).toBe('off');
    await expect(execIn(LAB, 'web1', ['true'])).rejects.toThrow(/powered off/);
    await poweron(LAB, 'web1');
    expect((await sh(LAB, 'web1', 'cat /root/mark')).out).toBe('kept');
    await expect.poll(() => reaches(LAB, 'client', '192.168.0.42'), { timeout: 10_000 }).toBe(true);
  });

  it('a second lab on the same addresses runs alongside without collision', async () => {
    await labUp({ name: LAB2, inventory: pair, converge: false });
    for (const [lab, mark] of [
      [LAB, 'one'],
      [LAB2, 'two'],
    ] as const) {
      await sh(lab, 'master', `echo ${mark} > /var/www/html/index.html && systemctl restart nginx`);
    }
    expect((await sh(LAB, 'client', 'curl -s -m 2 http://192.168.0.40/')).out).toBe('one');
    expect((await sh(LAB2, 'client', 'curl -s -m 2 http://192.168.0.40/')).out).toBe('two');
    expect((await sh(LAB2, 'client', 'ping -c1 -W1 192.168.0.42 >/dev/null; echo $?')).out).not.toBe('0');
    await labDown(LAB2);
    expect(leftovers(LAB2)).toEqual([]);
    expect((await sh(LAB, 'client', 'curl -s -m 2 http://192.168.0.40/')).out).toBe('one');
  });

  it('refuses to bring up a lab that is already up', async () => {
    await expect(labUp({ name: LAB, inventory: seed, converge: false })).rejects.toThrow(/already up/);
  });

  it('down removes a lab whose creating process was killed during boot', async () => {
    const name = `t-lab3-${process.pid}`;
    const child = spawn(viteNode, [childScript, name, pair], { stdio: 'ignore' });
    try {
      // kill it as soon as every machine has been started (it is then waiting for them to boot)
      await expect
        .poll(() => readState(name)?.machines.every((m) => m.pid !== undefined) ?? false, { timeout: 60_000, interval: 20 })
        .toBe(true);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(readState(name)?.machines.some((m) => m.pid !== undefined && findMachineNspawns(m.machine).length > 0)).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      expect((await labDown(name)).removed).toBe(true);
    }
    expect(leftovers(name)).toEqual([]);
  });

  it('down leaves no namespace, mount, process, cgroup, veth or dir behind, also without the run-time state', async () => {
    // a lab whose creator was killed and whose /run state is gone: the persistent copy is enough
    const locks = loadLab(LAB).machines.map((m) => rootLockName(m));
    expect(locks.every((l) => l !== undefined && existsSync(`/run/systemd/nspawn/locks/${l}`))).toBe(true);
    rmSync(labRunDir(LAB), { recursive: true, force: true });
    expect((await labDown(LAB)).removed).toBe(true);
    expect(leftovers(LAB)).toEqual([]);
    expect(locks.filter((l) => existsSync(`/run/systemd/nspawn/locks/${l ?? ''}`))).toEqual([]);
    expect((await labDown(LAB)).removed).toBe(false);
  });
});
