import { describe, expect, it } from 'vitest';
import { packageModule, type PackageArgs } from '../../src/modules/package.js';
import { runModule } from '../../src/modules/run-module.js';
import { makeContext } from '../helpers/module-context.js';
import { RecordingConnection, type Rule } from '../helpers/recording-connection.js';

interface AptPkg {
  installed?: string;
  candidate?: string;
}

/** An apt host whose packages are given as name -> versions. */
function aptHost(pkgs: Record<string, AptPkg>): RecordingConnection {
  const nameIn = (cmd: string): string => cmd.split(' -- ')[1]?.split(' ')[0]?.replace(/'/g, '') ?? '';
  const rules: Rule[] = [
    { match: 'command -v apt-get', reply: { stdout: 'apt\n' } },
    {
      match: 'dpkg-query',
      reply: (cmd) => {
        const p = pkgs[nameIn(cmd)];
        return p?.installed ? { stdout: `ii |${p.installed}` } : { rc: 1 };
      },
    },
    {
      match: 'apt-cache policy',
      reply: (cmd) => {
        const p = pkgs[nameIn(cmd)];
        if (!p) return { stdout: '' };
        return { stdout: `${nameIn(cmd)}:\n  Installed: ${p.installed ?? '(none)'}\n  Candidate: ${p.candidate ?? '(none)'}\n` };
      },
    },
    { match: /apt-get (install|remove|update)/, reply: {} },
  ];
  return new RecordingConnection(rules);
}

const pkgs: Record<string, AptPkg> = {
  'nginx-light': { installed: '1.22.1-9', candidate: '1.22.1-9' },
  keepalived: { installed: '1:2.2.7-1', candidate: '1:2.2.7-2' },
  hello: { candidate: '2.10-3' },
};

/** [title, args, changed, failed, packages acted on, apply command pattern] */
const table: [string, PackageArgs, boolean, boolean, string[], RegExp | null][] = [
  ['installed package present', { name: 'nginx-light' }, false, false, [], null],
  ['missing package present', { name: 'hello', state: 'present' }, true, false, ['hello'], /apt-get install .* -- hello$/],
  ['list, one missing', { name: ['nginx-light', 'hello'] }, true, false, ['hello'], /-- hello$/],
  ['comma separated string', { name: 'nginx-light,hello' }, true, false, ['hello'], /-- hello$/],
  ['unknown package fails', { name: 'no-such-pkg' }, false, true, [], null],
  ['absent for installed removes', { name: 'nginx-light', state: 'absent' }, true, false, ['nginx-light'], /apt-get remove .* -- nginx-light$/],
  ['absent for missing does nothing', { name: 'hello', state: 'absent' }, false, false, [], null],
  ['latest for up to date does nothing', { name: 'nginx-light', state: 'latest' }, false, false, [], null],
  ['latest with a newer candidate upgrades', { name: 'keepalived', state: 'latest' }, true, false, ['keepalived'], /apt-get install .* -- keepalived$/],
  ['present ignores a newer candidate', { name: 'keepalived', state: 'present' }, false, false, [], null],
  ['installed is present', { name: 'hello', state: 'installed' }, true, false, ['hello'], /install/],
];

describe('package (apt)', () => {
  it.each(table)('%s', async (_t, args, changed, failed, todo, cmd) => {
    const conn = aptHost(pkgs);
    const { result } = await runModule(packageModule, makeContext(conn), args);
    expect(result).toMatchObject({ changed: changed && !failed, failed });
    if (!failed) expect(result.packages).toEqual(todo);
    const acted = conn.commands.filter((c) => /apt-get (install|remove)/.test(c));
    if (cmd) {
      expect(acted).toHaveLength(1);
      expect(acted[0]).toMatch(cmd);
      expect(acted[0]).toMatch(/^DEBIAN_FRONTEND=noninteractive /);
    } else expect(acted).toEqual([]);
  });

  it.each(table)('check mode: %s (reads only, shows the command)', async (_t, args, changed, failed, todo, cmd) => {
    const conn = aptHost(pkgs);
    const { result } = await runModule(packageModule, makeContext(conn, { check: true }), args);
    expect(result).toMatchObject({ changed: changed && !failed, failed, skipped: false });
    if (!failed) expect(result.packages).toEqual(todo);
    expect(conn.commands.some((c) => /apt-get (install|remove|update)/.test(c))).toBe(false);
    if (cmd) expect(result.plan).toEqual([expect.stringMatching(cmd)]);
    else expect(result).not.toHaveProperty('plan');
  });

  it('update_cache refreshes, then decides on the fresh index', async () => {
    // the package is only known after the update
    let updated = false;
    const conn = aptHost(pkgs).script(
      { match: 'apt-get update', reply: () => ((updated = true), {}) },
      { match: 'apt-cache policy -- fresh', reply: () => ({ stdout: `fresh:\n  Installed: (none)\n  Candidate: ${updated ? '1.0' : '(none)'}\n` }) },
    );
    const { result } = await runModule(packageModule, makeContext(conn), { name: 'fresh', update_cache: true });
    const update = conn.commands.findIndex((c) => c.includes('apt-get update'));
    expect(update).toBeGreaterThan(0);
    expect(conn.commands.slice(update + 1).some((c) => c.includes('apt-cache policy -- fresh'))).toBe(true);
    expect(conn.commands[conn.commands.length - 1]).toMatch(/apt-get install .* -- fresh$/);
    expect(result).toMatchObject({ changed: true, failed: false, cache_updated: true, packages: ['fresh'] });
  });

  it('update_cache alone: cache_updated, not changed', async () => {
    const conn = aptHost(pkgs);
    const { result } = await runModule(packageModule, makeContext(conn), { name: 'nginx-light', update_cache: true });
    expect(conn.commands.filter((c) => c.includes('apt-get update'))).toHaveLength(1);
    expect(result).toMatchObject({ changed: false, failed: false, cache_updated: true });
  });

  it('check mode: update_cache is shown, not run, and a package only the update may know is planned', async () => {
    const dry = aptHost(pkgs);
    const { result } = await runModule(packageModule, makeContext(dry, { check: true }), { name: 'no-such-pkg', update_cache: true });
    expect(dry.commands.some((c) => c.includes('apt-get update'))).toBe(false);
    expect(result).toMatchObject({ changed: true, failed: false, cache_updated: false, packages: ['no-such-pkg'] });
    expect(result.plan).toEqual([expect.stringMatching(/apt-get update/), expect.stringMatching(/apt-get install .* -- no-such-pkg$/)]);
  });

  it.each([
    [3600, '120', false],
    [3600, '7200', true],
    [0, '5', true],
  ])('cache_valid_time %s with an index %s s old updates: %s', async (valid, age, updates) => {
    const conn = aptHost(pkgs).script({ match: '/var/lib/apt/periodic', reply: { stdout: `${age}\n` } });
    await runModule(packageModule, makeContext(conn), { name: 'nginx-light', update_cache: true, cache_valid_time: valid });
    expect(conn.commands.some((c) => c.includes('apt-get update'))).toBe(updates);
  });

  it.each([
    [false, '--no-install-recommends -- hello'],
    [true, '--install-recommends -- hello'],
  ])('install_recommends %s', async (rec, tail) => {
    const conn = aptHost(pkgs);
    await runModule(packageModule, makeContext(conn), { name: 'hello', install_recommends: rec });
    expect(conn.commands[conn.commands.length - 1]?.endsWith(tail)).toBe(true);
  });

  it('reports a failed install', async () => {
    const conn = aptHost(pkgs).script({ match: 'apt-get install', reply: { rc: 100, stderr: 'E: Unable to lock\n' } });
    const { result } = await runModule(packageModule, makeContext(conn), { name: 'hello' });
    expect(result).toMatchObject({ failed: true, rc: 100, stderr: 'E: Unable to lock\n' });
  });

  it('fails without a known package manager', async () => {
    const conn = new RecordingConnection([{ match: 'command -v apt-get', reply: { stdout: '' } }]);
    const { result } = await runModule(packageModule, makeContext(conn), { name: 'x' });
    expect(result.failed).toBe(true);
  });
});

describe('package (dnf)', () => {
  const dnfHost = (installed: string[], available: string[], updates: string[]): RecordingConnection =>
    new RecordingConnection([
      { match: 'command -v apt-get', reply: { stdout: 'dnf\n' } },
      { match: 'rpm -q', reply: (c) => ({ rc: installed.some((n) => c.includes(`-- ${n} `)) ? 0 : 1 }) },
      { match: 'dnf -q list --available', reply: (c) => ({ rc: available.some((n) => c.includes(`-- ${n} `)) ? 0 : 1 }) },
      { match: 'dnf -q check-update', reply: (c) => ({ rc: updates.some((n) => c.includes(`-- ${n} `)) ? 100 : 0 }) },
      { match: /^dnf -y/, reply: {} },
    ]);

  it.each([
    ['installed present', { name: 'nginx' }, false, null],
    ['missing present', { name: 'keepalived' }, true, /^dnf -y install -- keepalived$/],
    ['installed absent', { name: 'nginx', state: 'absent' as const }, true, /^dnf -y remove -- nginx$/],
    ['latest with an update', { name: 'nginx', state: 'latest' as const }, true, /^dnf -y upgrade -- nginx$/],
  ])('%s', async (_t, args, changed, cmd) => {
    const conn = dnfHost(['nginx'], ['keepalived'], ['nginx']);
    const { result } = await runModule(packageModule, makeContext(conn), args);
    expect(result.changed).toBe(changed);
    if (cmd) expect(conn.commands[conn.commands.length - 1]).toMatch(cmd);
  });
});
