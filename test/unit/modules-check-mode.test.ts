/**
 * Check mode for every module, on the result the user sees (runModule, the
 * module half of the task pipeline): what it reports, and that it only read
 * the host. A module added to the registry without a row here fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/core/types.js';
import { getModule, moduleNames } from '../../src/modules/index.js';
import { runModule } from '../../src/modules/run-module.js';
import { makeContext } from '../helpers/module-context.js';
import { RecordingConnection } from '../helpers/recording-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'hapb-t-check-mode-'));
writeFileSync(join(dir, 'a.conf.j2'), 'port={{ port }}\n');
writeFileSync(join(dir, 'v.yml'), 'a: 1\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A host with nothing installed, no file, no unit running. */
function freshHost(): RecordingConnection {
  return new RecordingConnection([
    { match: /^if \[ ! -e .*; then echo missing; exit 3/, reply: { rc: 3, stdout: 'missing\n' } },
    { match: /^if \[ ! -e .*; then echo missing; elif/, reply: { stdout: 'sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709\nmd5=d41d8cd98f00b204e9800998ecf8427e\n' } },
    { match: /^if \[ ! -e /, reply: { stdout: 'absent\n' } },
    { match: 'command -v apt-get', reply: { stdout: 'apt\n' } },
    { match: 'dpkg-query', reply: { rc: 1 } },
    { match: 'apt-cache policy', reply: { stdout: '  Installed: (none)\n  Candidate: 1.0\n' } },
    { match: 'systemctl show', reply: { stdout: 'LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n' } },
    { match: /^for f in/, reply: { rc: 1 } },
    { match: 'sysctl -n -e', reply: { stdout: '0\n' } },
    { match: /^echo "passwd=/, reply: { stdout: 'passwd=\n' } },
    { match: /^getent group /, reply: { stdout: '' } },
    { match: /^if \[ -d .*then echo dir/, reply: { stdout: 'absent\n' } },
    { match: /^getent passwd kim && id -gn/, reply: { stdout: 'kim:x:1000:1000::/home/kim:/bin/sh\nkim\n' } },
    { match: /^cat \/proc\/sys\/kernel\/random\/boot_id$/, reply: { stdout: 'b1\n' } },
    { match: /^debconf-show /, reply: { stdout: '* tzdata/Areas: Etc\n' } },
    { match: /^\[ -d .* && echo yes/, reply: { stdout: 'yes\n' } },
    { match: /^\[ -f .*\/f\.tar\.gz \] \|\| \{ echo missing/, reply: { stdout: Buffer.from([0x1f, 0x8b, 8, 0]).toString('base64') } },
    { match: /^tar -tf /, reply: { stdout: 'f 3f786850e387550fdab836ed7e6dc881de23001b a.txt\n' } },
    { match: /^if \[ -f .*a\.txt/, reply: { stdout: 'missing\n' } },
    { match: /^if ! \{ \[ -e /, reply: { stdout: 'exists=no\n' } },
    { match: /^if \[ ! -d .*; then echo notdir/, reply: { stdout: `${Buffer.from('a').toString('base64')}\t${Buffer.from('x\n').toString('base64')}\n` } },
  ]);
}

/** commands that only read: what a check may run */
const READS = /^(cat \/proc\/sys\/kernel\/random\/boot_id$|if \[ -d |getent passwd |debconf-show |\[ -d |\[ -f |tar -tf |if \[ -f |if \[ ! -e |echo "passwd=|getent group |if ! \{ \[ -e |if \[ ! -d |if command -v apt-get |dpkg-query |LC_ALL=C apt-cache policy |systemctl (show|is-enabled) |for f in |sysctl -n -e )/;

/** [module, args, the result check mode shows, the plan lines it shows] */
const rows: [string, Record<string, unknown>, Partial<TaskResult>, (string | RegExp)[]][] = [
  ['template', { src: join(dir, 'a.conf.j2'), dest: '/etc/a.conf', mode: '0640' }, { changed: true }, [/^write \/etc\/a\.conf \(8 bytes, sha1 [0-9a-f]{40}, mode 0640\)$/]],
  ['copy', { content: 'x\n', dest: '/etc/x', validate: 'test -s %s' }, { changed: true }, [/^write \/etc\/x \(2 bytes, sha1 [0-9a-f]{40}, validate: test -s %s\)$/]],
  ['file', { path: '/srv/d', state: 'directory', owner: 'www-data' }, { changed: true }, ["{ [ -e /srv ] || if mkdir -- /srv; then chown -- www-data /srv; else [ -d /srv ]; fi; } && { [ -e /srv/d ] || if mkdir -- /srv/d; then chown -- www-data /srv/d; else [ -d /srv/d ]; fi; }"]],
  ['lineinfile', { path: '/etc/l', line: 'a=1', create: true }, { changed: true, msg: 'line added' }, [/^write \/etc\/l \(4 bytes/]],
  ['package', { name: 'nginx', update_cache: true }, { changed: true, packages: ['nginx'], cache_updated: false }, [/apt-get update -q$/, /apt-get install .* -- nginx$/]],
  ['service', { name: 'nginx', state: 'started', enabled: true }, { changed: true }, ['systemctl enable -- nginx', 'systemctl start -- nginx']],
  // skipped: only running could tell; the command it would run is still shown
  ['command', { _raw_params: 'touch /x' }, { skipped: true, changed: false, msg: 'Command would have run if not in check mode', cmd: ['touch', '/x'], stdout: '', stderr: '', rc: 0 }, ['touch /x']],
  ['shell', { cmd: 'make', creates: '/opt/out' }, { changed: true }, ['make']],
  ['sysctl', { name: 'net.ipv4.ip_forward', value: 1 }, { changed: true }, [/^write \/etc\/sysctl\.d\/99-hapb\.conf /, /^sysctl -q -p /]],
  ['wait_for', { port: 80 }, { skipped: true, changed: false }, []],
  ['uri', { url: 'http://127.0.0.1/' }, { skipped: true, changed: false }, []],
  ['assert', { that: ['port == 80'] }, { changed: false, msg: 'All assertions passed' }, []],
  ['debug', { msg: 'hi' }, { changed: false, msg: 'hi' }, []],
  ['set_fact', { x: 1 }, { changed: false, ansible_facts: { x: 1 } }, []],
  ['include_vars', { file: join(dir, 'v.yml'), name: 'v' }, { changed: false, ansible_facts: { v: { a: 1 } } }, []],
  ['fail', { msg: 'stop' }, { failed: true, msg: 'stop' }, []],
  ['meta', { _raw_params: 'flush_handlers' }, { failed: true }, []],
  ['user', { name: 'kascript', system: true, create_home: false, shell: '/usr/sbin/nologin' }, { changed: true } /* Ansible's user module in check mode: changed only */, ['useradd -s /usr/sbin/nologin -M -r -- kascript', 'getent passwd kascript']],
  ['group', { name: 'web', gid: 2000 }, { changed: true } /* as Ansible's group module */, ['groupadd -g 2000 -- web', 'getent group web']],
  ['stat', { path: '/etc/x' }, { changed: false, stat: { exists: false } }, []],
  ['slurp', { src: '/etc/x' }, { failed: true, msg: 'file not found: /etc/x' }, []],
  ['blockinfile', { path: '/etc/b', block: 'a=1', create: true }, { changed: true, msg: 'File created' }, ['mkdir -p -- /etc', /^write \/etc\/b \(62 bytes/]],
  ['replace', { path: '/etc/x', regexp: 'a' }, { failed: true, msg: 'Path /etc/x does not exist !' }, []],
  ['fetch', { src: '/etc/e', dest: join(dir, 'fetched') }, { skipped: true, changed: false, msg: 'check mode not (yet) supported for this module' } /* Ansible's fetch action */, []],
  ['get_url', { url: 'http://127.0.0.1:1/f.txt', dest: '/srv/f.txt', checksum: 'sha1:3f786850e387550fdab836ed7e6dc881de23001b' }, { changed: true, dest: '/srv/f.txt' }, [/^tmp=\/srv\/\.f\.txt\.hapb-[0-9a-f]+\.tmp\n/]],
  ['authorized_key', { user: 'kim', key: 'ssh-ed25519 AAAAC3Nza kim@laptop' }, { changed: true, keyfile: '/home/kim/.ssh/authorized_keys' }, ["mkdir -p -- /home/kim/.ssh && chown -- kim:kim /home/kim/.ssh && chmod 0700 -- /home/kim/.ssh", /^write \/home\/kim\/\.ssh\/authorized_keys \(\d+ bytes, sha1 [0-9a-f]+, owner kim:kim, mode 0600\)$/]],
  ['unarchive', { src: '/srv/f.tar.gz', dest: '/srv/x', remote_src: true }, { skipped: true, changed: false, msg: 'remote module (ansible.legacy.unarchive) does not support check mode when using gtar' } /* only Ansible's zip handler runs in check mode */, []],
  ['debconf', { name: 'tzdata', question: 'tzdata/Areas', vtype: 'select', value: 'Europe' }, { changed: true, current: { 'tzdata/Areas': 'Europe' }, previous: { 'tzdata/Areas': 'Etc' } }, ['debconf-set-selections <<< (33 bytes on stdin)']],
  ['reboot', {}, { changed: true, rebooted: true, elapsed: 0 }, ["/sbin/shutdown -r +0 'Reboot initiated by Ansible' (then wait up to 600 s for a new boot and: whoami)"]],
  ['assemble', { src: '/etc/frags', dest: '/etc/whole' }, { skipped: true, changed: false, msg: 'check mode is not supported for this task.' } /* Ansible's assemble action */, []],
];

describe('check mode, per module, as the user sees it', () => {
  it('every module of the registry has a row', () => {
    const canonical = new Set(moduleNames().map((n) => getModule(n)?.name));
    expect(new Set(rows.map((r) => r[0]))).toEqual(canonical);
  });

  it.each(rows)('%s', async (name, args, shows, plan) => {
    const mod = getModule(name);
    if (!mod) throw new Error(name);
    const conn = freshHost();
    const ctx = makeContext(conn, { check: true, vars: { port: 80 }, become: { user: 'root' } });
    const { result } = await runModule(mod, ctx, args);
    expect(result).toMatchObject({ failed: false, skipped: false, unreachable: false, ...shows });
    // only reads: no upload, no command outside the read-only ones
    expect(conn.puts).toEqual([]);
    expect(conn.commands.filter((c) => !READS.test(c))).toEqual([]);
    if (plan.length) expect(result.plan).toEqual(plan.map((p) => (typeof p === 'string' ? p : expect.stringMatching(p))));
    else expect(result).not.toHaveProperty('plan');
  });
});
