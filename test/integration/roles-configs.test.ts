/**
 * Every file the roles render passes the real tool that will read it, run the
 * way the role's `validate:` runs it: nginx -t, keepalived -t (as PID 1 of a
 * fresh PID namespace), nft -c; the scripts pass sh -n. keepalived and nft run
 * inside a network namespace that has the directors' interface ens33 with
 * their addresses, and in a private mount namespace that holds the check
 * scripts at /etc/keepalived and the keepalived_script user.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import { renderPlaybook, type RenderedFile } from '../../src/engine/render.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import type { Vars } from '../../src/engine/types.js';
import { loadYamlFile } from '../../src/yaml/load.js';
import { canUseNamespaces } from '../helpers/env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ns = `hapb-t-roles-${process.pid}`;
const directors = ['backup', 'master'];

interface Run {
  code: number;
  /** the signal that ended the process, if one did */
  signal: string | undefined;
  out: string;
}

function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, signal: err?.signal ?? undefined, out: `${stdout}${stderr}` });
    });
  });
}

/** A shell script in the test's network namespace and a private mount namespace. */
function inNamespace(script: string): Promise<Run> {
  return run('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-ec', script]);
}

function profileVars(profile: string): Vars {
  return loadYamlFile<Vars>(join(root, 'profiles', `${profile}.yml`)).value;
}

const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });

/** A rendered file with the `validate` command of the task that writes it. */
type Rendered = RenderedFile & { validate: string | undefined };

async function render(extraVars: Vars, inventoryFile = join(root, 'inventory', 'seed.yml')): Promise<Rendered[]> {
  const inventory = loadInventory(inventoryFile);
  // the validate command comes with the write step of the plan
  return (await renderPlaybook({ playbook, inventory, extraVars })).map((f) => ({ ...f, validate: f.validate }));
}

/**
 * The commands of a unit file's `KEY=` lines as a shell runs them: without
 * systemd's `-` prefix (failure ignored) and with `$$` (systemd's escape) as `$`.
 */
function unitCommands(content: string, key: string): { command: string; ignoreFailure: boolean }[] {
  return content
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1))
    .map((c) => ({ command: c.replace(/^-/, '').replace(/\$\$/g, '$'), ignoreFailure: c.startsWith('-') }));
}

function fileOf(files: Rendered[], host: string, dest: string): Rendered {
  const f = files.find((x) => x.host === host && x.dest === dest);
  if (!f) throw new Error(`${host} has no rendered ${dest}`);
  return f;
}

const byProfile = { hapb: await render(profileVars('hapb')), tutorial: await render(profileVars('tutorial')) };

describe.skipIf(!canUseNamespaces)('rendered configurations pass the real tools', () => {
  let tmp = '';
  let passwd = '';

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), `${ns}-`));
    passwd = join(tmp, 'passwd');
    writeFileSync(passwd, `${readFileSync('/etc/passwd', 'utf8')}keepalived_script:x:64999:65534::/nonexistent:/usr/sbin/nologin\n`);
    const steps: string[][] = [
      ['netns', 'add', ns],
      ['-n', ns, 'link', 'add', 'ens33', 'type', 'veth', 'peer', 'name', 'hapbpeer'],
      ['-n', ns, 'addr', 'add', '192.168.0.40/24', 'dev', 'ens33'],
      ['-n', ns, 'addr', 'add', '192.168.0.41/24', 'dev', 'ens33'],
      ['-n', ns, 'link', 'set', 'hapbpeer', 'up'],
      ['-n', ns, 'link', 'set', 'ens33', 'up'],
      ['-n', ns, 'link', 'set', 'lo', 'up'],
    ];
    for (const s of steps) {
      const r = await run('ip', s);
      if (r.code !== 0) throw new Error(`ip ${s.join(' ')}: ${r.out}`);
    }
  });

  afterAll(async () => {
    await run('ip', ['netns', 'del', ns]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Write a rendered file to the temp folder; returns its path. */
  const put = (f: Rendered, tag: string): string => {
    const path = join(tmp, `${tag}-${f.host}-${f.dest.replace(/\//g, '_')}`);
    writeFileSync(path, f.content);
    return path;
  };

  /**
   * Run keepalived's validate command on a rendered keepalived.conf, with the
   * host's scripts installed at their paths and (optionally) the script user.
   */
  const keepalivedTest = (files: Rendered[], host: string, tag: string, withUser: boolean, command?: string): Promise<Run> => {
    const conf = fileOf(files, host, '/etc/keepalived/keepalived.conf');
    const scripts = files.filter((f) => f.host === host && f.dest.startsWith('/etc/keepalived/') && f.dest.endsWith('.sh'));
    const copies = scripts.map((s) => `cp '${put(s, tag)}' '${s.dest}'; chmod 0755 '${s.dest}'`);
    const validate = (command ?? conf.validate ?? '').replace('%s', put(conf, tag));
    return inNamespace(
      [
        'mount -t tmpfs -o mode=0755 hapb-t-roles /etc/keepalived',
        ...copies,
        withUser ? `mount --bind '${passwd}' /etc/passwd` : 'true',
        `exec ${validate}`,
      ].join('\n'),
    );
  };

  describe.each(['hapb', 'tutorial'] as const)('profile %s', (profile) => {
    const files = byProfile[profile];

    it.each(directors)('%s: nginx.conf passes nginx -t', async (host) => {
      const f = fileOf(files, host, '/etc/nginx/nginx.conf');
      expect(f.validate).toBe('nginx -t -q -c %s');
      const r = await run('sh', ['-c', (f.validate ?? '').replace('%s', put(f, profile))]);
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    });

    it('with 20 backends (80 upstream entries with the last-resort rounds), nginx.conf passes nginx -t', async () => {
      // the seed with web1..web20: a fixed 64k upstream zone held about 56 entries ("no memory in upstream zone")
      const seed = readFileSync(join(root, 'inventory', 'seed.yml'), 'utf8');
      const webs = Array.from({ length: 20 }, (_, i) => `        web${i + 1}:\n          ansible_host: 192.168.0.${60 + i}\n`).join('');
      const big = seed.replace(/ {4}web:\n {6}hosts:\n(?: {8}web\d+:\n {10}ansible_host: [\d.]+\n)+/, `    web:\n      hosts:\n${webs}`);
      expect(big).toContain('web20:');
      const file = join(tmp, `${profile}-big.yml`);
      writeFileSync(file, big);
      const f = fileOf(await render(profileVars(profile), file), 'master', '/etc/nginx/nginx.conf');
      expect(f.content.match(/^\s+server 192\.168\.0\.\d+:80/gm)?.length).toBe(profile === 'hapb' ? 80 : 20);
      if (profile === 'hapb') expect(f.content).toContain('zone web 160k;');
      const r = await run('sh', ['-c', (f.validate ?? '').replace('%s', put(f, `${profile}-big`))]);
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    });

    it.each(directors)('%s: keepalived.conf passes keepalived -t', async (host) => {
      const r = await keepalivedTest(files, host, profile, profile === 'hapb');
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    });

    it.each(directors)('%s: the scripts pass sh -n', async (host) => {
      const scripts = files.filter((f) => f.host === host && f.dest.endsWith('.sh'));
      expect(scripts.map((s) => s.dest.split('/').pop()).sort()).toEqual(
        profile === 'hapb' ? ['hapb-check-nginx.sh', 'hapb-took-vip.sh'] : ['check_nginx.sh'],
      );
      for (const s of scripts) {
        const shell = s.content.startsWith('#!/bin/bash') ? 'bash' : 'sh';
        const r = await run(shell, ['-n', put(s, profile)]);
        expect(r.out).toBe('');
        expect(r.code).toBe(0);
      }
    });
  });

  it.each(directors)('hapb %s with notify scripts, track_interface and virtual_ipaddress_excluded: keepalived.conf passes keepalived -t, the scripts sh -n', async (host) => {
    const notify = join(root, 'test', 'fixtures', 'keepalived-notify', 'on-state.sh.j2');
    const files = await render({
      ...profileVars('hapb'),
      keepalived_notify_scripts: [{ src: notify, dest: '/etc/keepalived/on-state.sh' }],
      keepalived_notify_master: '/etc/keepalived/on-state.sh master',
      keepalived_notify_backup: '/etc/keepalived/on-state.sh backup',
      keepalived_notify_fault: '/etc/keepalived/on-state.sh fault',
      keepalived_track_interfaces: ['hapbpeer', { name: 'lo', weight: -20 }],
      keepalived_virtual_ipaddress_excluded: ['192.168.0.151/24 dev ens33', 'fd00::150/64'],
    });
    const conf = fileOf(files, host, '/etc/keepalived/keepalived.conf').content;
    expect(conf).toContain('    track_interface {\n        hapbpeer\n        lo weight -20\n    }\n');
    expect(conf).toContain('    virtual_ipaddress_excluded {\n        192.168.0.151/24 dev ens33\n        fd00::150/64\n    }\n');
    // hand-back on (profile hapb): notify_master and notify_backup are the wrapper running both
    expect(conf).toContain('    notify_master "/etc/keepalived/hapb-notify-master.sh master" root\n');
    expect(conf).toContain('    notify_backup "/etc/keepalived/hapb-notify-master.sh backup" root\n');
    expect(conf).toContain('    notify_fault "/etc/keepalived/on-state.sh fault" root\n');
    const wrapper = fileOf(files, host, '/etc/keepalived/hapb-notify-master.sh').content;
    expect(wrapper).toContain('\n/etc/keepalived/hapb-took-vip.sh "$@" || true\ncase "$1" in\n    master) exec /etc/keepalived/on-state.sh master ;;\n    backup) exec /etc/keepalived/on-state.sh backup ;;\nesac\n');
    const r = await keepalivedTest(files, host, 'notify', true);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
    for (const s of files.filter((f) => f.host === host && f.dest.endsWith('.sh'))) {
      const sh = await run('sh', ['-n', put(s, 'notify')]);
      expect(sh.out).toBe('');
      expect(sh.code).toBe(0);
    }
    // without the hand-back window (profile tutorial): the user's notify_master itself, as the notify user
    const tut = await render({ ...profileVars('tutorial'), keepalived_notify_master: '/etc/keepalived/on-state.sh master', keepalived_notify_user: 'nobody', keepalived_notify_scripts: [{ src: notify, dest: '/etc/keepalived/on-state.sh' }] });
    const tconf = fileOf(tut, host, '/etc/keepalived/keepalived.conf').content;
    expect(tconf).toContain('    notify_master "/etc/keepalived/on-state.sh master" nobody\n');
    expect(tconf).toContain('    enable_script_security\n');
    expect(tut.some((f) => f.dest.endsWith('hapb-notify-master.sh'))).toBe(false);
    const tr = await keepalivedTest(tut, host, 'notify-tutorial', false);
    expect(tr.out).toBe('');
    expect(tr.code).toBe(0);
  });

  it('the VRRP metrics notify script: keepalived -t accepts it; each call rewrites the textfile whole, one series per instance', async () => {
    const textfile = join(tmp, 'metrics', 'keepalived.prom');
    const stateDir = join(tmp, 'metrics-state');
    const files = await render({ ...profileVars('hapb'), keepalived_metrics_textfile: textfile, keepalived_metrics_state_dir: stateDir });
    const conf = fileOf(files, 'master', '/etc/keepalived/keepalived.conf').content;
    expect(conf).toContain('    notify "/etc/keepalived/hapb-vrrp-metrics.sh" root\n');
    const r = await keepalivedTest(files, 'master', 'metrics', true);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
    const script = put(fileOf(files, 'master', '/etc/keepalived/hapb-vrrp-metrics.sh'), 'metrics');
    for (const args of [
      ['INSTANCE', 'VI_1', 'BACKUP', '100'],
      ['INSTANCE', 'VI_1', 'MASTER', '100'],
      ['GROUP', 'G1', 'MASTER', '0'],
      ['INSTANCE', 'VI_2', 'FAULT', '90'],
      ['INSTANCE', 'VI_1', 'FAULT', '100'],
      ['INSTANCE', 'VI_1', 'MASTER', '100'],
    ]) {
      const c = await run('sh', [script, ...args]);
      expect(c.out).toBe('');
      expect(c.code).toBe(0);
    }
    const text = readFileSync(textfile, 'utf8');
    const series = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(series.filter((l) => !l.startsWith('keepalived_vrrp_last_transition'))).toEqual([
      'keepalived_vrrp_state{instance="VI_1"} 2',
      'keepalived_vrrp_state{instance="VI_2"} 3',
      'keepalived_vrrp_priority{instance="VI_1"} 100',
      'keepalived_vrrp_priority{instance="VI_2"} 90',
      'keepalived_vrrp_transitions_total{instance="VI_1"} 4',
      'keepalived_vrrp_transitions_total{instance="VI_2"} 1',
    ]);
    const now = Date.now() / 1000;
    for (const l of series.filter((x) => x.startsWith('keepalived_vrrp_last_transition'))) expect(Math.abs(Number(l.split(' ')[1]) - now)).toBeLessThan(60);
    expect(text).toContain('# TYPE keepalived_vrrp_transitions_total counter\n');
    // no temporary file left beside it
    expect(readdirSync(join(tmp, 'metrics'))).toEqual(['keepalived.prom']);
  });

  it.each(directors)('hapb %s: the firewall rules pass nft -c', async (host) => {
    const f = fileOf((await render(profileVars('hapb'))), host, '/etc/hapb/director.nft');
    expect(f.validate).toBe('nft -c -f %s');
    const r = await inNamespace((f.validate ?? '').replace('%s', put(f, 'hapb')));
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it.each(directors)('hapb %s: the systemd units and drop-ins pass systemd-analyze verify without a warning', async (host) => {
    const units = (await render(profileVars('hapb'))).filter((f) => f.host === host && f.dest.startsWith('/etc/systemd/system/'));
    expect(units.map((u) => u.dest).sort()).toEqual([
      '/etc/systemd/system/hapb-backend-watch.service',
      '/etc/systemd/system/hapb-firewall.service',
      '/etc/systemd/system/hapb-nginx-watch.service',
      '/etc/systemd/system/hapb-vip-lo.service',
      '/etc/systemd/system/keepalived.service.d/hapb.conf',
      '/etc/systemd/system/nginx.service.d/hapb-keepalived.conf',
    ]);
    // a unit path of our own: the packaged units plus the rendered files, nothing installed on this machine
    const dir = mkdtempSync(join(tmp, 'units-'));
    for (const name of ['nginx.service', 'keepalived.service']) {
      writeFileSync(join(dir, name), readFileSync(join('/lib/systemd/system', name), 'utf8'));
    }
    for (const u of units) {
      const path = join(dir, u.dest.slice('/etc/systemd/system/'.length));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, u.content);
    }
    const r = await new Promise<Run>((resolve) => {
      execFile(
        'systemd-analyze',
        ['verify', 'nginx.service', 'keepalived.service', 'hapb-firewall.service', 'hapb-vip-lo.service', 'hapb-backend-watch.service'],
        { cwd: dir, env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` }, timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, signal: undefined, out: `${stdout}${stderr}` }),
      );
    });
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  describe('draining the VIP when keepalived stops', () => {
    const dropin = '/etc/systemd/system/keepalived.service.d/hapb.conf';

    it.each(directors)('hapb %s: the drop-in\'s commands fill and empty the drain set of the loaded firewall rules', async (host) => {
      const files = (await render(profileVars('hapb')));
      const nft = put(fileOf(files, host, '/etc/hapb/director.nft'), 'drain');
      const unit = fileOf(files, host, dropin).content;
      const [drain, ...later] = unitCommands(unit, 'ExecStopPost');
      const [undrain] = unitCommands(unit, 'ExecStartPre');
      if (!drain || !undrain) throw new Error(`no ExecStopPost or ExecStartPre in\n${unit}`);
      // first of the stop commands: systemd runs them one after the other; the VIP is on lo
      // (keepalived_vip_on_lo), so it leaves the interface at once, with no second of two holders
      expect(drain.command).toMatch(/nft add element inet hapb_director drain/);
      expect(later.map((c) => c.command).join('\n')).toMatch(/ip -4 addr del/);
      expect(later.map((c) => c.command).join('\n')).not.toMatch(/sleep/);
      // without the VIP on lo, the removal after a kill waits keepalived_remove_vip_delay
      const offLo = fileOf(await render({ ...profileVars('hapb'), keepalived_vip_on_lo: false }), host, dropin).content;
      expect(unitCommands(offLo, 'ExecStopPost').map((c) => c.command).join('\n')).toMatch(/sleep 1; fi; exec \/sbin\/ip -4 addr del/);
      // a missing table (firewall stopped) must not fail the unit
      expect([drain.ignoreFailure, undrain.ignoreFailure]).toEqual([true, true]);
      const set = `echo "set: $(nft list set inet hapb_director drain | grep -o 'elements = {[^}]*}' || echo none)"`;
      const r = await inNamespace(
        [
          `nft -f '${nft}'`,
          set,
          drain.command,
          set,
          `nft -f '${nft}'`, // the reload handler: \`flush table\` empties chains, not sets
          set,
          undrain.command,
          set,
          'nft delete table inet hapb_director',
          'set +e',
          `${drain.command} 2>/dev/null; echo "without table: $?"`,
        ].join('\n'),
      );
      expect(r.out.split('\n').filter((l) => l.startsWith('set: '))).toEqual([
        'set: none',
        'set: elements = { 192.168.0.150 }',
        'set: elements = { 192.168.0.150 }',
        'set: none',
      ]);
      expect(r.out).toMatch(/^without table: [1-9]\d*$/m);
    });

    it.each([
      ['profile tutorial', profileVars('tutorial')],
      ['hapb without the firewall', { ...profileVars('hapb'), keepalived_firewall: false }],
      ['hapb with keepalived_drain_on_stop false', { ...profileVars('hapb'), keepalived_drain_on_stop: false }],
    ])('%s: no drain set and no drain commands', async (_name, vars) => {
      const files = (await render(vars)).filter((f) => f.host === 'master');
      const text = files.map((f) => f.content).join('\n');
      expect(text).not.toMatch(/drain/);
    });
  });

  it('the tutorial keepalived.conf without script security is refused by keepalived -t', async () => {
    const files = (await render(profileVars('tutorial'))).map((f) =>
      f.dest === '/etc/keepalived/keepalived.conf'
        ? { ...f, content: f.content.replace(/^ {4}(enable_script_security|script_user root)\n/gm, '') }
        : f,
    );
    const conf = fileOf(files, 'master', '/etc/keepalived/keepalived.conf');
    expect(conf.content).not.toMatch(/script_user|enable_script_security/);
    const r = await keepalivedTest(files, 'master', 'verbatim', false);
    expect(r.out).toMatch(/SECURITY VIOLATION - scripts are being executed but script_security not enabled/);
    expect(r.code).not.toBe(0);
  });

  it('plain keepalived -t (no PID namespace) kills itself with a non-root script user', async () => {
    // Why the role validates inside `unshare --pid`: keepalived 2.2.7 sends itself
    // SIGTERM after checking the script as the script user in -t mode.
    const r = await keepalivedTest((await render(profileVars('hapb'))), 'master', 'plain', true, 'keepalived -t -f %s');
    expect(r.signal).toBe('SIGTERM');
  });

  it('hapb: the check script, run as keepalived_script, passes while nginx answers and fails once it is gone', async () => {
    const files = (await render(profileVars('hapb')));
    const conf = put(fileOf(files, 'master', '/etc/nginx/nginx.conf'), 'live');
    const script = fileOf(files, 'master', '/etc/keepalived/hapb-check-nginx.sh');
    const r = await inNamespace(
      [
        // nginx's pid file and logs go to private tmpfs mounts; nginx is stopped by its own pid on exit
        'mount -t tmpfs hapb-t-roles /run',
        'mount -t tmpfs hapb-t-roles /var/log/nginx',
        'mount -t tmpfs -o mode=0755 hapb-t-roles /etc/keepalived',
        `mount --bind '${passwd}' /etc/passwd`,
        `cp '${put(script, 'live')}' '${script.dest}'; chmod 0755 '${script.dest}'`,
        `trap 'test -s /run/nginx.pid && kill $(cat /run/nginx.pid)' EXIT`,
        `nginx -c '${conf}'`,
        'set +e',
        `setpriv --reuid=keepalived_script --regid=nogroup --clear-groups '${script.dest}'; echo "up=$?"`,
        'curl -s -o /dev/null -w "remote=%{http_code}\\n" http://192.168.0.40/hapb-health',
        'kill $(cat /run/nginx.pid); for i in 1 2 3 4 5 6 7 8 9 10; do test -e /run/nginx.pid || break; sleep 0.2; done',
        `setpriv --reuid=keepalived_script --regid=nogroup --clear-groups '${script.dest}'; echo "down=$?"`,
      ].join('\n'),
    );
    expect(r.out).toMatch(/^up=0$/m);
    // the health page answers only on loopback (elsewhere the path goes to the backends, absent here)
    expect(r.out).toMatch(/^remote=\d+$/m);
    expect(r.out).not.toMatch(/^remote=200$/m);
    expect(r.out).toMatch(/^down=[1-9]\d*$/m);
  });

  describe('nginx settings other than the profiles\'', () => {
    it.each([
      ['least_conn, weights and a backup server', { nginx_director_balance: 'least_conn', nginx_director_weights: { web1: 3 }, nginx_director_backup_servers: ['web2'] }, 0],
      ['ip_hash', { nginx_director_balance: 'ip_hash' }, 0],
      ['random', { nginx_director_balance: 'random' }, 0],
      ['keep-alive connections to the backends', { nginx_director_upstream_keepalive: 16 }, 0],
      ['other ports', { nginx_director_port: 8080, nginx_director_backend_port: 8081 }, 0],
      ['ip_hash with a backup server (nginx refuses it)', { nginx_director_balance: 'ip_hash', nginx_director_backup_servers: ['web2'] }, 1],
    ] as const)('%s', async (_name, vars, code) => {
      const f = fileOf((await render(vars)), 'master', '/etc/nginx/nginx.conf');
      const r = await run('sh', ['-c', (f.validate ?? '').replace('%s', put(f, 'variant'))]);
      expect(r.code).toBe(code);
    });
  });

  describe('keepalived settings other than the profiles\'', () => {
    it.each([
      ['nopreempt', { keepalived_preempt: false }, true],
      ['no check script and no track file', { keepalived_check_script: '', keepalived_nginx_down_file: '' }, false],
      ['no scripts at all', { keepalived_check_script: '', keepalived_nginx_down_file: '', keepalived_handback_window: 0 }, false],
      ['multicast VRRPv3', { keepalived_unicast: false }, true],
      ['a check script with a weight', { keepalived_script_weight: -20 }, true],
    ] as const)('%s', async (_name, vars, withUser) => {
      const r = await keepalivedTest((await render(vars)), 'master', 'variant', withUser);
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    });
  });
});
