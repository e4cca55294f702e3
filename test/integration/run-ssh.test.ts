/**
 * `hapb run` over SSH against a real OpenSSH server: an idempotent second run,
 * an unreachable host reported (exit 3) while the others go on, and --forks
 * really running hosts in parallel (a barrier only two parallel hosts pass).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseNamespaces } from '../helpers/env.js';
import { hapb } from '../helpers/cli.js';
import { freePort, makeKeyPair, startSshd, type Sshd } from '../helpers/sshd.js';

describe.skipIf(!canUseNamespaces)('hapb run over SSH (real sshd on loopback)', () => {
  let dir: string;
  let sshd: Sshd;
  let closedPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hapb-t-runssh-'));
    sshd = await startSshd({ dir: join(dir, 'sshd') });
    const key = makeKeyPair(join(dir, 'id_ed25519'));
    sshd.authorize('root', key.pub);
    writeFileSync(join(dir, 'known_hosts'), sshd.knownHostsLine(`[127.0.0.1]:${sshd.port}`) + '\n');
    closedPort = await freePort(); // nothing listens there: connection refused at once
    const common = `-o UserKnownHostsFile=${join(dir, 'known_hosts')}`;
    writeFileSync(
      join(dir, 'hosts.yml'),
      `all:
  vars:
    ansible_host: 127.0.0.1
    ansible_user: root
    ansible_ssh_private_key_file: ${key.path}
    ansible_ssh_common_args: "${common}"
    root: ${join(dir, 'root')}
  hosts:
    h1: { ansible_port: ${sshd.port} }
    h2: { ansible_port: ${sshd.port} }
    dead: { ansible_port: ${closedPort} }
`,
    );
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: all
  gather_facts: true
  tasks:
    - file: { path: "{{ root }}/{{ inventory_hostname }}", state: directory }
    - name: a file naming the host and its OS family
      copy:
        content: "{{ inventory_hostname }} {{ ansible_os_family }}\\n"
        dest: "{{ root }}/{{ inventory_hostname }}/id"
`,
    );
    writeFileSync(
      join(dir, 'barrier.yml'),
      `- hosts: h1:h2
  gather_facts: false
  tasks:
    - name: each host waits (3 s at most) for the other to arrive
      shell: |
        mkdir -p {{ root }}/barrier-{{ run_id }}
        touch {{ root }}/barrier-{{ run_id }}/{{ inventory_hostname }}
        for i in $(seq 30); do
          [ "$(ls {{ root }}/barrier-{{ run_id }} | wc -l)" -ge 2 ] && exit 0
          sleep 0.1
        done
        exit 1
`,
    );
  });

  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('converges over SSH, marks the dead host unreachable (exit 4, as Ansible), and a second run changes nothing', () => {
    const first = hapb(['run', 'site.yml', '-i', 'hosts.yml', '-o', 'json', '-T', '5'], { cwd: dir });
    const r1 = JSON.parse(first.stdout) as { stats: Record<string, { changed: number; unreachable: number; failures: number }> };
    expect(first.code, first.stderr).toBe(4);
    expect(r1.stats.dead?.unreachable).toBe(1);
    expect(r1.stats.h1?.changed, first.stdout + first.stderr).toBe(2);
    expect(r1.stats.h2?.changed, first.stdout + first.stderr).toBe(2);
    expect(readFileSync(join(dir, 'root/h1/id'), 'utf8')).toMatch(/^h1 (Debian|RedHat)\n$/);

    const second = hapb(['run', 'site.yml', '-i', 'hosts.yml', '-o', 'json', '--limit', 'h1:h2'], { cwd: dir });
    const r2 = JSON.parse(second.stdout) as { stats: Record<string, { changed: number }> };
    expect(second.code, second.stderr).toBe(0);
    expect(r2.stats.h1?.changed).toBe(0);
    expect(r2.stats.h2?.changed).toBe(0);
  });

  it('--forks 2 runs both hosts at once; --forks 1 does not', () => {
    const parallel = hapb(['run', 'barrier.yml', '-i', 'hosts.yml', '--forks', '2', '-e', 'run_id=a'], { cwd: dir });
    expect(parallel.code, parallel.stdout).toBe(0);
    const serial = hapb(['run', 'barrier.yml', '-i', 'hosts.yml', '--forks', '1', '-e', 'run_id=b'], { cwd: dir });
    expect(serial.code).toBe(2);
    expect(serial.stdout).toMatch(/fatal: \[h1\]/);
  });
});
