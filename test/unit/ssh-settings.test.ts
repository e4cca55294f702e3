/**
 * How a host's SSH settings are resolved: Ansible variables, then
 * ansible_ssh_common_args, then ~/.ssh/config, then defaults.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, SshConnection } from '../../src/connection/index.js';
import { parseSshArgs, shellSplit } from '../../src/connection/ssh/common-args.js';
import { preferredHostKeyAlgos } from '../../src/connection/ssh/host-key.js';
import {
  defaultSshEnv,
  expandTokens,
  parseProxyJump,
  resolveHostTarget,
  resolveJumpTarget,
  type SshEnv,
} from '../../src/connection/ssh/settings.js';
import { ExitCode, HapbError } from '../../src/errors/index.js';

describe('shellSplit', () => {
  it.each([
    ['a b  c', ['a', 'b', 'c']],
    [`-o ProxyCommand="ip netns exec ns nc %h %p"`, ['-o', 'ProxyCommand=ip netns exec ns nc %h %p']],
    [`-o 'User bob' x\\ y`, ['-o', 'User bob', 'x y']],
    [`"a\\"b" ''`, ['a"b', '']],
    ['', []],
  ])('%s', (input, want) => {
    expect(shellSplit(input)).toEqual(want);
  });

  it('rejects an unterminated quote', () => {
    expect(() => shellSplit(`-o "ProxyCommand=x`)).toThrow(/no closing quotation/);
  });
});

describe('parseSshArgs', () => {
  it('reads -o in its forms, -J, -p, -l, -i and skips other flags', () => {
    const a = parseSshArgs(
      `-C -4 -o ProxyCommand="sh -c 'nc %h %p'" -oPort=2200 -o 'User bob' -o StrictHostKeyChecking=accept-new -J j1,me@j2:2222 -i ~/k1 -o IdentityFile=~/k2 -F /dev/null`,
    );
    expect(Object.fromEntries(a.options)).toEqual({
      proxycommand: "sh -c 'nc %h %p'",
      port: '2200',
      user: 'bob',
      stricthostkeychecking: 'accept-new',
      proxyjump: 'j1,me@j2:2222',
    });
    expect(a.identityFiles).toEqual(['~/k1', '~/k2']);
  });

  it('keeps the first value of an option, as ssh does (common args before extra args)', () => {
    const a = parseSshArgs('-o Port=1 -p 2', '-o Port=3 -l x -o User=y');
    expect(a.options.get('port')).toBe('1');
    expect(a.options.get('user')).toBe('x');
  });

  it('rejects an option flag without its value', () => {
    expect(() => parseSshArgs('-o')).toThrow(/needs a value/);
    expect(() => parseSshArgs('-o =x')).toThrow(/cannot read ssh option/);
  });
});

describe('ProxyJump and tokens', () => {
  it.each([
    ['j1', [{ host: 'j1' }]],
    ['bob@j1:2222', [{ host: 'j1', user: 'bob', port: 2222 }]],
    ['ssh://bob@j1:22,j2', [{ host: 'j1', user: 'bob', port: 22 }, { host: 'j2' }]],
    ['[fe80::1]:2200', [{ host: 'fe80::1', port: 2200 }]],
    ['none', []],
  ])('%s', (value, want) => {
    expect(parseProxyJump(value)).toEqual(want);
  });

  it('rejects a bad port', () => {
    expect(() => parseProxyJump('j1:99999')).toThrow(/invalid port/);
  });

  it('substitutes %h %p %r and %%', () => {
    expect(expandTokens('nc %h %p # %r %% %x', { h: 'web1', p: '22', r: 'root' })).toBe('nc web1 22 # root % %x');
  });
});

describe('resolveHostTarget', () => {
  let dir = '';
  let env: SshEnv;
  const configText = (marker: string): string =>
    [
      'Host web*',
      '  HostName 10.1.1.%h',
      '  User deploy',
      '  Port 2201',
      '  IdentityFile ~/.ssh/deploy_key',
      '  ProxyCommand nc -X connect %h %p',
      '',
      'Host db1',
      '  HostName db1.internal',
      '  ProxyJump bastion',
      '  IdentityAgent none',
      '  HostKeyAlias db-alias',
      '  ConnectTimeout 3',
      '',
      'Host bastion',
      '  HostName 192.0.2.10',
      '  User jumper',
      '  Port 2022',
      '',
      `Match exec "touch ${marker}"`,
      '  User pwned',
      '',
      'Host *',
      '  ServerAliveInterval 7',
      '',
    ].join('\n');
  let config: SSHConfig;
  let marker = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `hapb-t-ssh-set-${process.pid}-`));
    mkdirSync(join(dir, '.ssh'));
    writeFileSync(join(dir, '.ssh', 'id_rsa'), 'not a real key');
    writeFileSync(join(dir, '.ssh', 'id_ed25519'), 'not a real key');
    marker = join(dir, 'match-exec-ran');
    config = SSHConfig.parse(configText(marker));
    env = defaultSshEnv({ home: dir, localUser: 'me', configFile: join(dir, '.ssh', 'config'), agentSocket: '/run/agent.sock' });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('takes everything from the ssh config when the host has no variables', () => {
    const t = resolveHostTarget('web1', {}, config, env);
    expect(t).toMatchObject({
      name: 'web1',
      hostname: '10.1.1.web1',
      port: 2201,
      user: 'deploy',
      identityFiles: [join(dir, '.ssh', 'deploy_key')],
      identityFilesExplicit: true,
      agentSocket: '/run/agent.sock',
      proxyCommand: 'nc -X connect 10.1.1.web1 2201',
      proxyJump: [],
      keepaliveIntervalMs: 7000,
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('lets Ansible variables win over ansible_ssh_common_args, and those over the config', () => {
    const t = resolveHostTarget(
      'web1',
      {
        ansible_port: 2300,
        ansible_user: 'ops',
        ansible_ssh_private_key_file: '~/ops_key',
        ansible_ssh_common_args: '-o Port=2400 -o User=other -J bob@hop:2222 -i /k/extra',
      },
      config,
      env,
    );
    expect(t.port).toBe(2300);
    expect(t.user).toBe('ops');
    expect(t.identityFiles).toEqual([join(dir, 'ops_key'), '/k/extra', join(dir, '.ssh', 'deploy_key')]);
    // -J from the command line beats the config's ProxyCommand
    expect(t.proxyCommand).toBeUndefined();
    expect(t.proxyJump).toEqual([{ host: 'hop', user: 'bob', port: 2222 }]);
  });

  it('matches Host patterns against ansible_host, as ssh is given ansible_host', () => {
    const t = resolveHostTarget('inventory-name', { ansible_host: 'db1' }, config, env);
    expect(t).toMatchObject({
      name: 'inventory-name',
      hostname: 'db1.internal',
      user: 'me',
      port: 22,
      agentSocket: undefined,
      hostKeyAlias: 'db-alias',
      connectTimeoutMs: 3000,
      proxyJump: [{ host: 'bastion' }],
    });
  });

  it('uses the default key files that exist when none is configured', () => {
    const t = resolveHostTarget('plain', {}, config, env);
    expect(t.hostname).toBe('plain');
    expect(t.identityFiles).toEqual([join(dir, '.ssh', 'id_ed25519'), join(dir, '.ssh', 'id_rsa')]);
    expect(t.identityFilesExplicit).toBe(false);
  });

  it('turns a ProxyCommand off with none', () => {
    const t = resolveHostTarget('web1', { ansible_ssh_common_args: '-o ProxyCommand=none' }, config, env);
    expect(t.proxyCommand).toBeUndefined();
    expect(t.proxyJump).toEqual([]);
  });

  it('resolves a jump host through the config, with the spec user and port winning', () => {
    expect(resolveJumpTarget({ host: 'bastion' }, config, env)).toMatchObject({
      hostname: '192.0.2.10',
      user: 'jumper',
      port: 2022,
    });
    expect(resolveJumpTarget({ host: 'bastion', user: 'x', port: 1 }, config, env)).toMatchObject({ user: 'x', port: 1 });
  });

  it('rejects an invalid ansible_port as an input error', () => {
    expect(() => new SshConnection('web1', { ansible_port: 'eighty' }, { sshConfigFile: join(dir, 'none') })).toThrow(HapbError);
    try {
      createConnection('web1', { ansible_port: 0 }, { sshConfigFile: join(dir, 'none') });
    } catch (err) {
      expect(err).toBeInstanceOf(HapbError);
      expect((err as HapbError).exitCode).toBe(ExitCode.invalidInput);
      expect((err as HapbError).message).toContain('web1: ansible_port: invalid port "0"');
    }
    expect.assertions(4);
  });

  it('refuses a host or user a shell would interpret in a ProxyCommand, as OpenSSH does (issue 10)', () => {
    const args = { ansible_ssh_common_args: `-o ProxyCommand="nc %h %p"` };
    for (const host of ['127.0.0.1$(touch X)', '127.0.0.1;id', 'a`id`', 'a b', '-oProxyCommand=x', 'a|b', "a'b", 'a\nb']) {
      expect(() => resolveHostTarget('web1', { ...args, ansible_host: host }, config, env)).toThrow(/refusing to put the host name \(%h\)/);
    }
    expect(() => resolveHostTarget('web1', { ansible_ssh_common_args: `-o ProxyCommand="x %r@%h"`, ansible_user: 'a;b' }, config, env)).toThrow(
      /remote user \(%r\) "a;b"/,
    );
    // ordinary names and addresses pass, and a host without a ProxyCommand is not checked here
    expect(resolveHostTarget('web1', { ...args, ansible_host: '10.0.0.1' }, config, env).proxyCommand).toBe('nc 10.0.0.1 22');
    expect(resolveHostTarget('web1', { ...args, ansible_host: 'fe80::1%eth0' }, config, env).proxyCommand).toBe('nc fe80::1%eth0 22');
    expect(resolveHostTarget('web1', { ...args, ansible_user: 'deploy$' }, config, env).proxyCommand).toBeDefined();
    try {
      new SshConnection('web1', { ...args, ansible_host: '127.0.0.1$(touch X)' }, { sshConfigFile: join(dir, 'none') });
    } catch (err) {
      expect((err as HapbError).exitCode).toBe(ExitCode.invalidInput);
    }
    expect.assertions(13);
  });

  it('rejects an unknown ansible_connection as an input error', () => {
    try {
      createConnection('web1', { ansible_connection: 'docker' }, {});
    } catch (err) {
      expect((err as HapbError).exitCode).toBe(ExitCode.invalidInput);
      expect((err as HapbError).format()).toMatch(/unknown ansible_connection "docker"\n {2}hint: use one of: ssh, local/);
    }
    expect.assertions(2);
  });
});

describe('host key algorithm order', () => {
  it('puts the key types already known first, RSA with its SHA-2 names', () => {
    expect(preferredHostKeyAlgos(['ssh-rsa']).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(preferredHostKeyAlgos(['ecdsa-sha2-nistp256'])[0]).toBe('ecdsa-sha2-nistp256');
    expect(preferredHostKeyAlgos([])[0]).toBe('ssh-ed25519');
    expect(new Set(preferredHostKeyAlgos(['ssh-rsa'])).size).toBe(preferredHostKeyAlgos([]).length);
  });
});
