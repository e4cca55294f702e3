import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLabName, IFNAMSIZ, machineNs, switchNs, switchPort } from '../../src/lab/names.js';
import { parseMirror, recipeHash, defaultRecipe } from '../../src/lab/image.js';
import { partitionRuleset } from '../../src/lab/network.js';
import { cgroupExecScript, systemdCgroupMounts } from '../../src/lab/machine.js';
import { knownHostsText } from '../../src/lab/ssh-files.js';

describe('lab names', () => {
  it.each(['default', 't-lab-123', 'a'])('accepts lab name %s', (n) => expect(() => checkLabName(n)).not.toThrow());
  it.each(['', 'Upper', '-x', 'a_b', 'a'.repeat(32), 'a/b'])('rejects lab name %j', (n) => expect(() => checkLabName(n)).toThrow(/invalid lab name/));

  it('keeps two labs apart', () => {
    expect(switchNs('a')).not.toBe(switchNs('b'));
    expect(machineNs('a', 'master')).toBe('hapb-a-master');
  });

  it.each([
    [0, 'master', 'p0-master'],
    [12, 'a-very-long-hostname', 'p12-a-very-long'],
  ])('switch port %i %s is %s (<= 15 chars)', (i, host, want) => {
    expect(switchPort(i, host)).toBe(want);
    expect(switchPort(i, host).length).toBeLessThanOrEqual(IFNAMSIZ);
  });
});

describe('image recipe', () => {
  it('hash ignores package order but follows content', () => {
    const base = recipeHash(defaultRecipe);
    expect(recipeHash({ ...defaultRecipe, packages: [...defaultRecipe.packages].reverse() })).toBe(base);
    expect(recipeHash({ ...defaultRecipe, packages: [...defaultRecipe.packages, 'vim'] })).not.toBe(base);
    expect(recipeHash({ ...defaultRecipe, postScript: defaultRecipe.postScript + 'true\n' })).not.toBe(base);
  });

  it.each([
    [
      'deb822',
      [{ name: 'debian.sources', text: 'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://sec.example/debian-security\nSuites: bookworm-security\n' }],
      'http://mirror.example/debian',
    ],
    ['one-line', [{ name: 'sources.list', text: '# x\ndeb-src http://src.example/debian bookworm main\ndeb [arch=amd64] http://m.example/debian bookworm main\n' }], 'http://m.example/debian'],
    ['other suite only', [{ name: 'sources.list', text: 'deb http://m.example/debian trixie main\n' }], undefined],
  ])('finds the mirror in %s sources', (_what, files, want) => {
    expect(parseMirror(files, 'bookworm')).toBe(want);
  });
});

describe('partition ruleset', () => {
  it('drops both directions between every pair of the two sides', () => {
    const text = partitionRuleset([{ a: ['m'], b: ['x', 'y'] }], (h) => `p-${h}`);
    expect(text).toContain('table bridge hapb_partition');
    expect(text).toContain('hook forward');
    const rules = text.split('\n').filter((l) => l.includes('drop'));
    expect(rules.map((l) => l.trim())).toEqual([
      'iifname "p-m" oifname "p-x" drop',
      'iifname "p-x" oifname "p-m" drop',
      'iifname "p-m" oifname "p-y" drop',
      'iifname "p-y" oifname "p-m" drop',
    ]);
  });
});

describe('cgroups', () => {
  it('finds the unified and the v1 name=systemd hierarchies, not the others', () => {
    const info = [
      '30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
      '31 25 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd',
      '32 25 0:28 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
    ].join('\n');
    expect(systemdCgroupMounts(info)).toEqual(['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']);
  });
  it('the wrapper joins each cgroup then runs nspawn again while it exits 133 (reboot)', () => {
    const s = cgroupExecScript(['/cg/a', '/cg/b']);
    const lines = s.split('\n');
    expect(lines.slice(0, 2)).toEqual([
      "mkdir -p '/cg/a' && echo $$ > '/cg/a/cgroup.procs' || exit 97",
      "mkdir -p '/cg/b' && echo $$ > '/cg/b/cgroup.procs' || exit 97",
    ]);
    expect(lines).toHaveLength(3);
  });
  it('the wrapper loop: exit 133 runs the command again, any other code ends it with that code', () => {
    // the loop alone (no cgroups), with a command that exits 133 twice then 7
    const dir = mkdtempSync(join(tmpdir(), 'hapb-wrap-'));
    const counter = join(dir, 'n');
    const cmd = `n=$(cat '${counter}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${counter}'; [ $n -lt 3 ] && exit 133; exit 7`;
    const r = spawnSync('/bin/sh', ['-c', cgroupExecScript([]), 'sh', '/bin/sh', '-c', cmd], { encoding: 'utf8' });
    expect(r.status).toBe(7);
    expect(readFileSync(counter, 'utf8').trim()).toBe('3');
    expect(r.stdout.match(/rebooted/g)).toHaveLength(2);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('known_hosts', () => {
  it('lists address and name per key', () => {
    expect(knownHostsText([{ host: 'm', address: '10.0.0.1', pubKey: 'ssh-ed25519 AAAA root@m' }])).toBe('10.0.0.1,m ssh-ed25519 AAAA\n');
  });
});

describe('machine MAC', () => {
  it('is stable, unicast and locally administered, and differs per name', async () => {
    const { machineMac } = await import('../../src/lab/network.js');
    const a = machineMac('hapb-x-web1');
    expect(a).toBe(machineMac('hapb-x-web1'));
    expect(a).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(machineMac('hapb-y-web1')).not.toBe(a);
  });
});
