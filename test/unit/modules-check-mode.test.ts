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
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A host with nothing installed, no file, no unit running. */
function freshHost(): RecordingConnection {
  return new RecordingConnection([
    { match: /^if \[ ! -e /, reply: { stdout: 'absent\n' } },
    { match: 'command -v apt-get', reply: { stdout: 'apt\n' } },
    { match: 'dpkg-query', reply: { rc: 1 } },
    { match: 'apt-cache policy', reply: { stdout: '  Installed: (none)\n  Candidate: 1.0\n' } },
    { match: 'systemctl show', reply: { stdout: 'LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n' } },
    { match: /^for f in/, reply: { rc: 1 } },
    { match: 'sysctl -n -e', reply: { stdout: '0\n' } },
  ]);
}

/** commands that only read: what a check may run */
const READS = /^(if \[ ! -e |if command -v apt-get |dpkg-query |LC_ALL=C apt-cache policy |systemctl (show|is-enabled) |for f in |sysctl -n -e )/;

/** [module, args, the result check mode shows, the plan lines it shows] */
const rows: [string, Record<string, unknown>, Partial<TaskResult>, (string | RegExp)[]][] = [
  ['template', { src: join(dir, 'a.conf.j2'), dest: '/etc/a.conf', mode: '0640' }, { changed: true }, [/^write \/etc\/a\.conf \(8 bytes, sha1 [0-9a-f]{40}, mode 0640\)$/]],
  ['copy', { content: 'x\n', dest: '/etc/x', validate: 'test -s %s' }, { changed: true }, [/^write \/etc\/x \(2 bytes, sha1 [0-9a-f]{40}, validate: test -s %s\)$/]],
  ['file', { path: '/srv/d', state: 'directory', owner: 'www-data' }, { changed: true }, ["mkdir -p -- /srv/d && chown -- www-data /srv/d"]],
  ['lineinfile', { path: '/etc/l', line: 'a=1', create: true }, { changed: true, msg: 'line added' }, [/^write \/etc\/l \(4 bytes/]],
  ['package', { name: 'nginx', update_cache: true }, { changed: true, packages: ['nginx'], cache_updated: false }, [/apt-get update -q$/, /apt-get install .* -- nginx$/]],
  ['service', { name: 'nginx', state: 'started', enabled: true }, { changed: true }, ['systemctl enable -- nginx', 'systemctl start -- nginx']],
  // skipped: only running could tell; the command it would run is still shown
  ['command', { _raw_params: 'touch /x' }, { skipped: true, changed: false, msg: 'skipped, running in check mode' }, ['touch /x']],
  ['shell', { cmd: 'make', creates: '/opt/out' }, { changed: true }, ['make']],
  ['sysctl', { name: 'net.ipv4.ip_forward', value: 1 }, { changed: true }, [/^write \/etc\/sysctl\.d\/99-hapb\.conf /, /^sysctl -q -p /]],
  ['wait_for', { port: 80 }, { skipped: true, changed: false }, []],
  ['uri', { url: 'http://127.0.0.1/' }, { skipped: true, changed: false }, []],
  ['assert', { that: ['port == 80'] }, { changed: false, msg: 'All assertions passed' }, []],
  ['debug', { msg: 'hi' }, { changed: false, msg: 'hi' }, []],
  ['set_fact', { x: 1 }, { changed: false, ansible_facts: { x: 1 } }, []],
  ['fail', { msg: 'stop' }, { failed: true, msg: 'stop' }, []],
  ['meta', { _raw_params: 'flush_handlers' }, { failed: true }, []],
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
