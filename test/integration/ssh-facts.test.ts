/**
 * Fact gathering against this machine, seen from inside a network namespace
 * made here (a veth pair, a secondary address, a default route), over a real
 * SSH connection to an sshd in that namespace.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection } from '../../src/connection/index.js';
import type { Connection } from '../../src/connection/types.js';
import { gatherFacts } from '../../src/facts/gather.js';
import { parseOsRelease } from '../../src/facts/os.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import {
  hostKeyName,
  makeKeyPair,
  makeNetns,
  PREFIX,
  removeNetns,
  sshHostVars,
  startSshd,
  type Sshd,
} from '../helpers/sshd.js';

const ready = canUseNamespaces && hasCommand('ssh-keygen');

describe.skipIf(!ready)('gatherFacts over SSH into a namespace', () => {
  const netns = `${PREFIX}-f`;
  let dir = '';
  let sshd: Sshd | undefined;
  let conn: SshConnection | undefined;
  let nsMade = false;
  const ip = (...args: string[]): string => execFileSync('ip', ['-n', netns, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${PREFIX}-f-`));
    chmodSync(dir, 0o755);
    makeNetns(netns);
    nsMade = true;
    ip('link', 'add', 'hv-a', 'type', 'veth', 'peer', 'name', 'hv1');
    ip('addr', 'add', '10.213.7.1/24', 'dev', 'hv-a');
    ip('addr', 'add', '10.213.7.50/24', 'dev', 'hv-a');
    ip('addr', 'add', '10.213.8.1/16', 'dev', 'hv1');
    ip('link', 'set', 'hv-a', 'up');
    ip('link', 'set', 'hv1', 'up');
    ip('route', 'add', 'default', 'via', '10.213.7.254', 'dev', 'hv-a');
    const key = makeKeyPair(join(dir, 'id'));
    sshd = await startSshd({ dir: join(dir, 'sshd'), netns });
    sshd.authorize('root', key.pub);
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsLine(hostKeyName(sshd)) + '\n');
    conn = new SshConnection(
      'nsbox',
      sshHostVars(sshd, key.path, dir),
      { knownHostsFile: knownHosts, sshConfigFile: join(dir, 'none'), askPassphrase: null, env: { home: dir, agentSocket: undefined } },
    );
    await conn.connect();
  });

  afterAll(async () => {
    await conn?.close();
    await sshd?.stop();
    if (nsMade) removeNetns(netns);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports the namespace interfaces, addresses and default route', async () => {
    if (!conn) throw new Error('no connection');
    const vars = await gatherFacts(conn);
    expect(new Set(vars.ansible_interfaces as string[])).toEqual(new Set(['lo', 'hv1', 'hv-a']));
    expect(vars.ansible_default_ipv4).toMatchObject({
      interface: 'hv-a',
      address: '10.213.7.1',
      gateway: '10.213.7.254',
      netmask: '255.255.255.0',
      prefix: '24',
      network: '10.213.7.0',
    });
    expect(vars.ansible_hv_a).toMatchObject({
      device: 'hv-a',
      active: true,
      ipv4: { address: '10.213.7.1' },
      ipv4_secondaries: [{ address: '10.213.7.50' }],
    });
    expect(vars.ansible_hv1).toMatchObject({ ipv4: { address: '10.213.8.1', netmask: '255.255.0.0' } });
    expect(new Set(vars.ansible_all_ipv4_addresses as string[])).toEqual(new Set(['10.213.7.1', '10.213.7.50', '10.213.8.1']));
  });

  it('gives the same network facts from an iproute2 without JSON output', async () => {
    if (!conn) throw new Error('no connection');
    const real = conn;
    // an `ip` that refuses -j, as iproute2 before 4.14 does, first on PATH for the facts script
    const shim = join(dir, 'old-ip');
    mkdirSync(shim, { recursive: true });
    const ipPath = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(shim, 'ip'),
      `#!/bin/sh\nfor a in "$@"; do [ "$a" = -j ] && { echo 'Option "-j" is unknown, try "ip -help".' >&2; exit 255; }; done\nexec ${ipPath} "$@"\n`,
      { mode: 0o755 },
    );
    const oldIp: Connection = {
      host: real.host,
      connect: () => real.connect(),
      exec: (command, opts) => real.exec(command, { ...opts, env: { PATH: `${shim}:/usr/sbin:/usr/bin:/sbin:/bin` } }),
      put: (content, path, opts) => real.put(content, path, opts),
      get: (path) => real.get(path),
      close: () => real.close(),
    };
    expect((await oldIp.exec('ip -j link show lo')).rc).toBe(255);
    const fromText = await gatherFacts(oldIp);
    const fromJson = await gatherFacts(real);
    for (const k of ['ansible_interfaces', 'ansible_default_ipv4', 'ansible_hv_a', 'ansible_hv1', 'ansible_lo', 'ansible_all_ipv4_addresses']) {
      expect(fromText[k], k).toEqual(fromJson[k]);
    }
    expect(fromText.ansible_default_ipv4).toMatchObject({ interface: 'hv-a', address: '10.213.7.1' });
  });

  it('reports this machine the way its own files and tools do', async () => {
    if (!conn) throw new Error('no connection');
    const vars = await gatherFacts(conn);
    const os = parseOsRelease(execFileSync('cat', ['/etc/os-release'], { encoding: 'utf8' }));
    const sh = (cmd: string): string => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).trim();
    expect(vars.ansible_os_family).toBe(os.ID === 'debian' || os.ID_LIKE?.includes('debian') ? 'Debian' : 'RedHat');
    expect(vars.ansible_distribution_major_version).toBe(os.VERSION_ID?.split('.')[0]);
    expect(vars.ansible_kernel).toBe(sh('uname -r'));
    expect(vars.ansible_hostname).toBe(sh('hostname').split('.')[0]);
    expect(vars.ansible_user_id).toBe('root');
    expect(vars.ansible_pkg_mgr).toBe(hasCommand('apt-get') ? 'apt' : hasCommand('dnf') ? 'dnf' : 'yum');
    const systemd = sh('[ -d /run/systemd/system ] && echo yes || cat /proc/1/comm');
    if (systemd === 'yes') expect(vars.ansible_service_mgr).toBe('systemd');
    else expect(vars.ansible_service_mgr).not.toBe('');
    expect((vars.ansible_facts as Record<string, unknown>).distribution).toBe(vars.ansible_distribution);
  });
});
