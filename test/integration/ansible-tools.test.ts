/**
 * The repository as an Ansible project, checked by real Ansible from Debian
 * (ansible-core 2.14, the ansible collections, ansible-lint, python3-netaddr):
 * syntax check, ansible-lint on the production profile, role templates
 * rendered byte-identically by ansible-playbook and by `hapb render`,
 * ansible.cfg's ansible_managed rendered the same, and the ipaddr fixture
 * still what Ansible answers. Every Ansible run uses the local connection and
 * writes under a temporary directory; no host is contacted.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { hapb, repoRoot } from '../helpers/cli.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `hapb-t-ansible-tools-${process.pid}-`));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
/** runs a command without blocking the worker (Ansible runs take a minute) */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 240_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

const localInventory = (): string => {
  const p = join(dir, 'local.yml');
  writeFileSync(p, 'all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: /usr/bin/python3\n');
  return p;
};

/** every file under a directory, as relative path → content */
function files(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

describe('the repository is an Ansible project', () => {
  it('ansible-playbook --syntax-check passes on playbooks/site.yml (roles found through ansible.cfg)', async () => {
    const r = await run('ansible-playbook', ['--syntax-check', 'playbooks/site.yml', '-i', localInventory()]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('playbook: playbooks/site.yml');
  });

  it('ansible-lint passes on the production profile', { timeout: 300_000 }, async () => {
    const r = await run('ansible-lint', ['--offline', '--nocolor', '-q'], { timeoutMs: 290_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('role templates: ansible-playbook and hapb render write the same bytes', () => {
  /**
   * Ansible runs a copy of each role whose tasks are only the role's template
   * tasks (same src, same when) writing under ROOT/HOST/<dest>; the role's
   * defaults and templates are the real ones (symlinks).
   */
  function templateOnlyRoles(): string {
    const roles = join(dir, 'roles');
    for (const role of readdirSync(join(repoRoot, 'roles'))) {
      const src = join(repoRoot, 'roles', role);
      mkdirSync(join(roles, role, 'tasks'), { recursive: true });
      for (const sub of ['defaults', 'vars', 'templates', 'meta']) {
        try {
          statSync(join(src, sub));
          symlinkSync(join(src, sub), join(roles, role, sub));
        } catch {
          // the role has no such folder
        }
      }
      const tasks = YAML.parse(readFileSync(join(src, 'tasks', 'main.yml'), 'utf8')) as Record<string, unknown>[];
      const templates = tasks
        .filter((t) => 'ansible.builtin.template' in t)
        .map((t) => {
          const args = t['ansible.builtin.template'] as Record<string, unknown>;
          return {
            name: t.name,
            'ansible.builtin.template': { src: args.src, dest: `{{ root }}/{{ inventory_hostname }}${String(args.dest)}`, mode: args.mode ?? '0644' },
            ...(t.when !== undefined ? { when: t.when } : {}),
          };
        });
      const dirsOf = { name: 'Make the folders', 'ansible.builtin.file': { path: '{{ root }}/{{ inventory_hostname }}/{{ item }}', state: 'directory', mode: '0755' }, loop: ['etc/keepalived', 'usr/local/sbin', 'etc/nginx', 'etc/hapb', 'etc/systemd/system/nginx.service.d', 'etc/systemd/system/keepalived.service.d', 'var/www/html'] };
      writeFileSync(join(roles, role, 'tasks', 'main.yml'), YAML.stringify([dirsOf, ...templates]));
    }
    const site = YAML.parse(readFileSync(join(repoRoot, 'playbooks', 'site.yml'), 'utf8')) as Record<string, unknown>[];
    const plays = site.map((p) => ({ name: p.name, hosts: p.hosts, connection: 'local', gather_facts: false, roles: p.roles }));
    writeFileSync(join(dir, 'render.yml'), YAML.stringify(plays));
    return roles;
  }

  /** an inventory (default the seed), every host on the local connection (only its variables are used) */
  function localSeed(file = 'seed.yml'): string {
    const inv = YAML.parse(readFileSync(join(repoRoot, 'inventory', file), 'utf8')) as { all: Record<string, unknown> };
    inv.all.vars = { ...(inv.all.vars as object | undefined), ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3' };
    const p = join(dir, `local-${file}`);
    writeFileSync(p, YAML.stringify(inv));
    return p;
  }

  it.each([
    ['hapb', [], 'seed.yml', 'master'],
    ['tutorial', ['-e', `@${join(repoRoot, 'profiles', 'tutorial.yml')}`], 'seed.yml', 'master'],
    // the keepalived role's user options: notify commands (and the notify wrapper), track_interface, virtual_ipaddress_excluded
    ['hapb with keepalived options', ['-e', `@${join(repoRoot, 'test', 'fixtures', 'keepalived-notify', 'options.yml')}`], 'seed.yml', 'master'],
    // keepalived at real-time priority through systemd (the drop-in; the check script drops to SCHED_OTHER)
    ['hapb with systemd real-time', ['-e', 'keepalived_service_rt_priority=50'], 'seed.yml', 'master'],
    // three directors, two VIPs (keepalived_vips)
    ['hapb active-active', [], 'active-active.yml', 'lb1'],
  ])('profile %s', { timeout: 300_000 }, async (profile, extra, invFile, director) => {
    const roles = templateOnlyRoles();
    const inventory = localSeed(invFile);
    const ansibleRoot = join(dir, `ansible-${profile.replace(/\W+/g, '-')}`);
    const hapbRoot = join(dir, `hapb-${profile.replace(/\W+/g, '-')}`);
    const a = await run('ansible-playbook', [join(dir, 'render.yml'), '-i', inventory, '-e', `root=${ansibleRoot}`, '-e', 'ansible_connection=local', ...extra], {
      env: { ANSIBLE_CONFIG: join(repoRoot, 'ansible.cfg'), ANSIBLE_ROLES_PATH: roles },
    });
    expect(a.code, a.stdout + a.stderr).toBe(0);
    const h = hapb(['render', 'playbooks/site.yml', '-i', inventory, '-o', hapbRoot, ...extra]);
    expect(h.code, h.stderr).toBe(0);
    const fromAnsible = files(ansibleRoot);
    const fromHapb = files(hapbRoot);
    // every template Ansible wrote, hapb rendered with the same bytes (hapb also renders copy contents)
    expect(fromAnsible.size).toBeGreaterThanOrEqual(profile.startsWith('hapb') ? 12 : 6);
    if (profile === 'hapb with keepalived options') {
      const conf = fromAnsible.get(`${director}/etc/keepalived/keepalived.conf`)?.toString();
      expect(conf).toContain('track_interface {');
      expect(conf).toContain('    vrrp_rt_priority 50\n');
      expect(conf).toContain('    vrrp_rlimit_rttime 500000\n');
    }
    if (profile === 'hapb with systemd real-time') {
      expect(fromAnsible.get(`${director}/etc/systemd/system/keepalived.service.d/hapb.conf`)?.toString()).toContain('\nCPUSchedulingPolicy=rr\nCPUSchedulingPriority=50\n');
      expect(fromAnsible.get(`${director}/etc/keepalived/hapb-check-nginx.sh`)?.toString()).toContain('exec chrt --other 0 curl ');
    }
    for (const [path, content] of fromAnsible) {
      expect(fromHapb.get(path)?.toString(), path).toBe(content.toString());
    }
    const managed = readFileSync(join(ansibleRoot, director, 'etc', 'nginx', 'nginx.conf'), 'utf8').split('\n')[0];
    expect(managed).toBe('# Managed by hapb: local changes are overwritten.');
  });
});

describe('ansible.cfg and the template variables', () => {
  it("ANSIBLE_CONFIG's ansible_managed ({file} {host} {uid} and strftime) renders the same in both tools", async () => {
    const project = join(dir, 'managed');
    mkdirSync(join(project, 'templates'), { recursive: true });
    writeFileSync(join(project, 'ansible.cfg'), '[defaults]\nansible_managed = {file} on {host} by {uid}: %Y-%m-%d %H:%M:%S %a %b %j %% {{x}}\n');
    writeFileSync(join(project, 'templates', 't.j2'), '{{ ansible_managed }}\n{{ template_path }} {{ template_uid }} {{ template_host }}\n');
    writeFileSync(
      join(project, 'pb.yml'),
      YAML.stringify([{ name: 'm', hosts: 'all', gather_facts: false, tasks: [{ name: 't', 'ansible.builtin.template': { src: 't.j2', dest: '{{ root }}/t.txt', mode: '0644' } }] }]),
    );
    const inv = localInventory();
    mkdirSync(join(project, 'a'));
    mkdirSync(join(project, 'h'));
    const env = { ANSIBLE_CONFIG: join(project, 'ansible.cfg') };
    const a = await run('ansible-playbook', [join(project, 'pb.yml'), '-i', inv, '-e', `root=${join(project, 'a')}`], { env, cwd: dir });
    expect(a.code, a.stdout + a.stderr).toBe(0);
    const h = hapb(['run', join(project, 'pb.yml'), '-i', inv, '-e', `root=${join(project, 'h')}`], { env, cwd: dir });
    expect(h.code, h.stdout + h.stderr).toBe(0);
    const fromAnsible = readFileSync(join(project, 'a', 't.txt'), 'utf8');
    expect(fromAnsible).toMatch(/^t\.j2 on .+ by root: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w{3} \w{3} \d{3} % \{x\}\n/);
    expect(readFileSync(join(project, 'h', 't.txt'), 'utf8')).toBe(fromAnsible);
  });
});

describe('the ipaddr fixture is still what Ansible answers', () => {
  const fixtureFile = join(repoRoot, 'test', 'fixtures', 'ipaddr', 'cases.json');
  type Case = { filter: string; value: string; query: string; result?: unknown; error?: string };
  const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as { cases: Case[] };

  it('a sample of the cases through ansible-playbook gives the recorded answers', async () => {
    // every 9th case that answers (errors stop a play), all three filters
    const sample = fixture.cases.filter((c, i) => c.error === undefined && i % 9 === 0);
    expect(sample.length).toBeGreaterThan(150);
    const byFilter = (f: string): string =>
      `{% for c in cases if c.filter == '${f}' %}{{ c.value | ansible.utils.${f}(c.query) | to_json }}\n{% endfor %}`;
    const pb = join(dir, 'ipaddr.yml');
    writeFileSync(
      pb,
      YAML.stringify([
        {
          name: 'sample',
          hosts: 'all',
          gather_facts: false,
          tasks: [{ name: 'answers', 'ansible.builtin.copy': { content: ['ipaddr', 'ipv4', 'ipv6'].map(byFilter).join(''), dest: '{{ root }}/answers.txt', mode: '0644' } }],
        },
      ]),
    );
    writeFileSync(join(dir, 'sample.json'), JSON.stringify({ cases: sample }));
    const r = await run('ansible-playbook', [pb, '-i', localInventory(), '-e', `root=${dir}`, '-e', `@${join(dir, 'sample.json')}`], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = readFileSync(join(dir, 'answers.txt'), 'utf8').trimEnd().split('\n');
    const ordered = ['ipaddr', 'ipv4', 'ipv6'].flatMap((f) => sample.filter((c) => c.filter === f));
    expect(lines.length).toBe(ordered.length);
    ordered.forEach((c, i) => {
      const want = c.result !== null && typeof c.result === 'object' && 'int' in c.result ? (c.result as { int: string }).int : JSON.stringify(c.result);
      expect(lines[i], `${c.value} | ${c.filter}('${c.query}')`).toBe(want);
    });
  });

  it('generate.sh, re-run, writes the committed fixture', async () => {
    const r = await run(join(repoRoot, 'test', 'fixtures', 'ipaddr', 'generate.sh'), []);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(fixtureFile, 'utf8')));
  });
});
