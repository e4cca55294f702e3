/**
 * SshConnection against real OpenSSH servers (Debian's sshd): one on
 * 127.0.0.1 of the root namespace, two inside a network namespace made here
 * (reached only through a ProxyCommand that enters it, or through the first
 * as a ProxyJump host).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BecomeError, createConnection, SshConnection, type SshConnectionOptions } from '../../src/connection/index.js';
import { HapbError, UnreachableError } from '../../src/errors/index.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import {
  freePort,
  makeKeyPair,
  makeNetns,
  makeUser,
  netnsBridgeCommand,
  PREFIX,
  removeNetns,
  startAgent,
  startSshd,
  type KeyPair,
  type Sshd,
  type TempUser,
} from '../helpers/sshd.js';

const ready = canUseNamespaces && existsSync('/usr/sbin/sshd') && hasCommand('ssh-keygen') && hasCommand('sudo');

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-error: ${String(err)}`);
  }
  throw new Error('expected a failure, but it succeeded');
}

function acceptedLogins(sshd: Sshd): number {
  return (sshd.log().match(/Accepted publickey/g) ?? []).length;
}

describe.skipIf(!ready)('SshConnection with a real sshd', () => {
  const netns = `${PREFIX}`;
  let dir = '';
  let emptyHome = '';
  let sshd: Sshd;
  let nsSshd: Sshd;
  let nsTarget: Sshd;
  let plainKey: KeyPair;
  let encKey: KeyPair;
  let agentKey: KeyPair;
  let user: TempUser | undefined;

  let knownHosts = '';
  const userPassword = `pw-${process.pid}-Zq7`;
  const userName = `${PREFIX}`;
  const conns: SshConnection[] = [];
  let nsMade = false;

  /** a connection to the root-namespace sshd, with this test's files */
  function conn(vars: Record<string, unknown> = {}, opts: SshConnectionOptions = {}): SshConnection {
    const c = new SshConnection(
      'web1',
      {
        ansible_host: '127.0.0.1',
        ansible_port: sshd.port,
        ansible_user: 'root',
        ansible_ssh_private_key_file: plainKey.path,
        ...vars,
      },
      {
        knownHostsFile: knownHosts,
        sshConfigFile: join(dir, 'no-config'),
        timeoutMs: 5000,
        askPassphrase: null,
        env: { home: emptyHome, agentSocket: undefined },
        ...opts,
      },
    );
    conns.push(c);
    return c;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${PREFIX}-`));
    // sshd reads authorized_keys as the logging-in user: let the test user through
    chmodSync(dir, 0o755);
    emptyHome = join(dir, 'home');
    mkdirSync(emptyHome);
    plainKey = makeKeyPair(join(dir, 'id_plain'));
    encKey = makeKeyPair(join(dir, 'id_enc'), { passphrase: 'correct horse battery' });
    agentKey = makeKeyPair(join(dir, 'id_agent'));

    sshd = await startSshd({ dir: join(dir, 'sshd') });
    for (const k of [plainKey, encKey, agentKey]) sshd.authorize('root', k.pub);
    knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsLine(`[127.0.0.1]:${sshd.port}`) + '\n');

    user = makeUser(userName, userPassword, `${userName} ALL=(root) NOPASSWD: ALL\n${userName} ALL=(daemon) ALL\n`);
    sshd.authorize(userName, plainKey.pub);

    makeNetns(netns);
    nsMade = true;
    // 10.213.9.1: an address of the namespace where nothing listens; 10.213.10.0/24: routed
    // to a veth whose peer is down, so nothing ever answers (sealed inside the namespace)
    const ipn = (...a: string[]): string => execFileSync('ip', ['-n', netns, ...a], { encoding: 'utf8' });
    ipn('link', 'add', 'hv-up', 'type', 'veth', 'peer', 'name', 'hv-down');
    ipn('addr', 'add', '10.213.9.1/24', 'dev', 'hv-up');
    ipn('link', 'set', 'hv-up', 'up');
    ipn('addr', 'add', '10.213.10.1/24', 'dev', 'hv-down');
    ipn('link', 'set', 'hv-down', 'up');
    ipn('link', 'set', 'hv-up', 'down');
    nsSshd = await startSshd({ dir: join(dir, 'ns-sshd'), netns });
    nsSshd.authorize('root', plainKey.pub);
    nsTarget = await startSshd({ dir: join(dir, 'ns-target'), netns, port: 2222 });
    nsTarget.authorize('root', plainKey.pub);
  });

  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    for (const s of [sshd, nsSshd, nsTarget]) await s?.stop();
    user?.remove();
    if (nsMade) removeNetns(netns);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with a key and returns rc, stdout and stderr', async () => {
    const c = conn();
    await c.connect();
    const r = await c.exec('echo out; echo err >&2; exit 3');
    expect(r).toEqual({ rc: 3, stdout: 'out\n', stderr: 'err\n' });
    const who = await c.exec('id -un');
    expect(who.stdout.trim()).toBe('root');
  });

  it.each(['rsa', 'ecdsa', 'ed25519'])('logs in with a %s key', async (type) => {
    const key = makeKeyPair(join(dir, `id_type_${type}`), { type });
    sshd.authorize('root', key.pub);
    const c = conn({ ansible_ssh_private_key_file: key.path });
    expect((await c.exec('echo typed')).stdout).toBe('typed\n');
    expect(sshd.log()).toContain(key.fingerprint);
  });

  it.each([
    ['rsa', 1],
    ['ecdsa', 2],
    ['ed25519', 0],
  ])('checks a %s host key when that is the one known for the host', async (type, index) => {
    const multi = await startSshd({ dir: join(dir, `sshd-multi-${type}`), hostKeyTypes: ['ed25519', 'rsa', 'ecdsa'] });
    try {
      multi.authorize('root', plainKey.pub);
      const known = multi.hostKeys[index];
      if (!known) throw new Error('no such host key');
      const file = join(dir, `kh-multi-${type}`);
      writeFileSync(file, multi.knownHostsLine(`[127.0.0.1]:${multi.port}`, known) + '\n');
      const c = conn({ ansible_port: multi.port }, { knownHostsFile: file });
      expect((await c.exec('echo multi')).stdout).toBe('multi\n');
      await c.close();
    } finally {
      await multi.stop();
    }
  });

  it('passes stdin, cwd and env through the command builder', async () => {
    const c = conn();
    const r = await c.exec('cat; echo "$FOO"; pwd', { stdin: 'in-data\n', cwd: '/tmp', env: { FOO: "a b'c" } });
    expect(r.stdout).toBe("in-data\na b'c\n/tmp\n");
    expect(r.rc).toBe(0);
  });

  it('reuses one SSH connection for many commands, also in parallel', async () => {
    const before = acceptedLogins(sshd);
    const c = conn();
    for (let i = 0; i < 10; i++) expect((await c.exec(`echo ${i}`)).stdout).toBe(`${i}\n`);
    const parallel = await Promise.all(Array.from({ length: 20 }, (_, i) => c.exec(`echo p${i}`)));
    expect(parallel.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`));
    expect(acceptedLogins(sshd) - before).toBe(1);
  });

  it('stops a command at its timeout with rc 124, on the host too', async () => {
    const c = conn();
    const marker = `${process.pid}.5`;
    const r = await c.exec(`sleep 2${marker}`, { timeoutMs: 300 });
    expect(r.rc).toBe(124);
    expect(r.stderr).toMatch(/timed out after 300 ms/);
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toContain(`sleep 2${marker}`);
    expect((await c.exec('echo still-usable')).stdout).toBe('still-usable\n');
  });

  it('logs in with a key held only by ssh-agent', async () => {
    const agent = await startAgent(dir);
    try {
      agent.add(agentKey.path);
      const c = conn({ ansible_ssh_private_key_file: undefined }, { env: { home: emptyHome, agentSocket: agent.socket } });
      expect(c.target.identityFiles).toEqual([]);
      expect((await c.exec('echo via-agent')).stdout).toBe('via-agent\n');
      expect(sshd.log()).toContain(agentKey.fingerprint);
      await c.close();
    } finally {
      agent.stop();
    }
  });

  it('refuses an encrypted key without a terminal or agent, saying to use ssh-agent', async () => {
    const c = conn({ ansible_ssh_private_key_file: encKey.path });
    const err = await caught(c.connect());
    expect(err).toBeInstanceOf(UnreachableError);
    const text = (err as UnreachableError).format();
    expect(text).toContain('authentication failed');
    expect(text).toContain(`${encKey.path} is encrypted`);
    expect(text).toContain(`ssh-add ${encKey.path}`);
  });

  it('unlocks an encrypted key with the passphrase asked on the terminal', async () => {
    const asked: string[] = [];
    const c = conn(
      { ansible_ssh_private_key_file: encKey.path },
      {
        askPassphrase: async (q) => {
          asked.push(q);
          return 'correct horse battery';
        },
      },
    );
    expect((await c.exec('echo unlocked')).stdout).toBe('unlocked\n');
    expect(asked).toEqual([`Enter passphrase for key '${encKey.path}': `]);
  });

  it('refuses an unknown host key, printing its SHA256 fingerprint and how to accept it', async () => {
    const file = join(dir, 'kh-empty');
    writeFileSync(file, '');
    const c = conn({}, { knownHostsFile: file });
    const err = await caught(c.connect());
    expect(err).toBeInstanceOf(UnreachableError);
    const text = (err as UnreachableError).format();
    expect(text).toContain(sshd.hostKey.fingerprint);
    expect(text).toContain('--accept-new-host-keys');
    expect(text).toContain('ssh-keyscan');
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it.each([false, true])('refuses a changed host key (acceptNewHostKeys %s) and never records it', async (acceptNew) => {
    const other = makeKeyPair(join(dir, `other-host-key-${acceptNew}`));
    const file = join(dir, `kh-changed-${acceptNew}`);
    const [t, b] = other.pub.split(' ');
    const text = `[127.0.0.1]:${sshd.port} ${t} ${b}\n`;
    writeFileSync(file, text);
    const c = conn({}, { knownHostsFile: file, acceptNewHostKeys: acceptNew });
    const err = await caught(c.connect());
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toContain('HOST KEY CHANGED');
    expect(err.message).toContain(sshd.hostKey.fingerprint);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it.each([
    ['plain', ''],
    ['hashed', `|1|${Buffer.alloc(20, 1).toString('base64')}|${Buffer.alloc(20, 2).toString('base64')} ssh-ed25519 AAAA\n`],
  ])('with acceptNewHostKeys records an unknown key in a %s file, then connects without it', async (kind, seed) => {
    const file = join(dir, `kh-accept-${kind}`);
    writeFileSync(file, seed);
    const c = conn({}, { knownHostsFile: file, acceptNewHostKeys: true });
    expect((await c.exec('echo first')).stdout).toBe('first\n');
    expect(c.recordedHostKeys).toHaveLength(1);
    const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', file], { encoding: 'utf8' });
    expect(found).toContain(sshd.hostKey.pub.split(' ')[1]);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.at(-1)?.startsWith('|1|')).toBe(kind === 'hashed');
    const again = conn({}, { knownHostsFile: file, acceptNewHostKeys: false });
    expect((await again.exec('echo second')).stdout).toBe('second\n');
    expect(again.recordedHostKeys).toHaveLength(0);
  });

  it('connects to several hosts at once, recording a new host key once', async () => {
    const file = join(dir, 'kh-parallel');
    writeFileSync(file, '');
    const many = Array.from({ length: 6 }, () => conn({}, { knownHostsFile: file, acceptNewHostKeys: true }));
    const out = await Promise.all(many.map((c, i) => c.exec(`echo host${i}`)));
    expect(out.map((r) => r.stdout)).toEqual(many.map((_, i) => `host${i}\n`));
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(many.reduce((n, c) => n + c.recordedHostKeys.length, 0)).toBe(1);
  });

  describe('become through sudo as a non-root user', () => {
    it('becomes root without a password (sudo -n)', async () => {
      const c = conn({ ansible_user: userName });
      expect((await c.exec('id -un')).stdout.trim()).toBe(userName);
      expect((await c.exec('id -un', { become: {} })).stdout.trim()).toBe('root');
    });

    it('never hands the become password to a command when sudo does not ask for it', async () => {
      const c = conn({ ansible_user: userName }, { becomePassword: userPassword });
      const r = await c.exec('cat', { become: { user: 'root' }, stdin: 'only-this\n' });
      expect(r.rc).toBe(0);
      expect(r.stdout).toBe('only-this\n');
      expect(r.stderr).not.toContain(userPassword);
    });

    it('answers the sudo password prompt, then sends stdin to the command', async () => {
      const c = conn({ ansible_user: userName }, { becomePassword: userPassword });
      const r = await c.exec('id -un; cat', { become: { user: 'daemon' }, stdin: 'payload\n' });
      expect(r.rc).toBe(0);
      expect(r.stdout).toBe('daemon\npayload\n');
      expect(r.stderr).not.toContain(userPassword);
    });

    it('takes the password from ansible_become_password too', async () => {
      const c = conn({ ansible_user: userName, ansible_become_password: userPassword });
      expect((await c.exec('id -un', { become: { user: 'daemon' } })).stdout.trim()).toBe('daemon');
    });

    it('fails clearly, without hanging, when sudo needs a password and none is given', async () => {
      const c = conn({ ansible_user: userName });
      const err = await caught(c.exec('id -un', { become: { user: 'daemon' } }));
      expect(err).toBeInstanceOf(BecomeError);
      expect(err.message).toContain('sudo needs a password');
    });

    it('fails clearly on a wrong password and never prints the password', async () => {
      const wrong = `wrong-${userPassword}-secret`;
      const c = conn({ ansible_user: userName }, { becomePassword: wrong });
      const err = await caught(c.exec('id -un', { become: { user: 'daemon' }, stdin: 'x' }));
      expect(err).toBeInstanceOf(BecomeError);
      const e = err as BecomeError;
      expect(e.message).toContain('incorrect sudo password');
      for (const text of [e.message, e.format(), e.stderr, JSON.stringify(e), String(e.stack)]) {
        expect(text).not.toContain(wrong);
      }
      // the connection is still good afterwards
      expect((await c.exec('echo ok')).stdout).toBe('ok\n');
    });

    it('needs no sudo when the become user is the login user', async () => {
      const c = conn({ ansible_user: userName });
      expect((await c.exec('id -un', { become: { user: userName } })).stdout.trim()).toBe(userName);
    });
  });

  describe('files over SFTP', () => {
    it('puts and gets a binary file with its mode, and get of a missing file is null', async () => {
      const c = conn();
      const path = join(dir, 'put-file');
      const content = Buffer.from([0, 1, 2, 255, 10, 13, 0x80, ...Buffer.from('héllo')]);
      await c.put(content, path, { mode: '0640' });
      expect((await c.exec(`stat -c %a ${path}`)).stdout.trim()).toBe('640');
      expect(readFileSync(path).equals(content)).toBe(true);
      const back = await c.get(path);
      expect(back?.equals(content)).toBe(true);
      await c.put(Buffer.from('second'), path);
      expect((await c.get(path))?.toString()).toBe('second');
      // issue 10: SFTP creates the file 0600; without a mode it stays so
      const fresh = join(dir, 'put-sftp-nomode');
      await c.put(Buffer.from('x'), fresh);
      expect((await c.exec(`stat -c %a ${fresh}`)).stdout.trim()).toBe('600');
      expect(await c.get(join(dir, 'does-not-exist'))).toBeNull();
    });

    it('falls back to cat when the host has no SFTP subsystem', async () => {
      const bare = await startSshd({ dir: join(dir, 'sshd-nosftp'), sftp: false });
      try {
        bare.authorize('root', plainKey.pub);
        const file = join(dir, 'kh-nosftp');
        writeFileSync(file, bare.knownHostsLine(`[127.0.0.1]:${bare.port}`) + '\n');
        const c = conn({ ansible_port: bare.port }, { knownHostsFile: file });
        const path = join(dir, 'put-nosftp');
        const content = Buffer.from([0, 255, 1, 10, 0x80]);
        await c.put(content, path, { mode: '0600' });
        expect(readFileSync(path).equals(content)).toBe(true);
        expect((await c.exec(`stat -c %a ${path}`)).stdout.trim()).toBe('600');
        // issue 10: cat writes under umask 077: without a mode the file keeps the 0600 it had while written
        const bare0 = join(dir, 'put-nosftp-nomode');
        await c.put(Buffer.from('x'), bare0);
        expect((await c.exec(`stat -c %a ${bare0}`)).stdout.trim()).toBe('600');
        await c.put(Buffer.from('y'), bare0, { mode: '0644' });
        expect((await c.exec(`stat -c %a ${bare0}`)).stdout.trim()).toBe('644');
        expect((await c.get(path))?.equals(content)).toBe(true);
        expect(await c.get(join(dir, 'missing-nosftp'))).toBeNull();
        expect(bare.log()).toMatch(/subsystem request for sftp .*failed|refused|not found/i);
        await c.close();
      } finally {
        await bare.stop();
      }
    });

    it('writes as the login user: a root-only folder is an error, not unreachable', async () => {
      const c = conn({ ansible_user: userName });
      const err = await caught(c.put(Buffer.from('x'), '/root/not-allowed'));
      expect(err).toBeInstanceOf(HapbError);
      expect(err).not.toBeInstanceOf(UnreachableError);
      expect(err.message).toContain(`as ${userName}`);
    });
  });

  describe('unreachable hosts', () => {
    let silent: Server | undefined;
    const held: Socket[] = [];
    afterAll(() => {
      for (const s of held) s.destroy();
      silent?.close();
    });

    it('reports a refused port as unreachable', async () => {
      const port = await freePort();
      const c = conn({ ansible_port: port });
      const err = await caught(c.connect());
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err.message).toContain('connection refused');
    });

    it('gives up on a host that accepts TCP but never speaks, within the timeout', async () => {
      silent = createServer((s) => held.push(s));
      await new Promise<void>((r) => silent?.listen(0, '127.0.0.1', () => r()));
      const addr = silent.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      const c = conn({ ansible_port: port }, { timeoutMs: 800 });
      const err = await caught(c.connect());
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err.message).toContain('timed out after 800 ms connecting to');
    });

    it.each([
      ['nothing listens on a namespace address', '10.213.9.1', /ProxyCommand for root@10\.213\.9\.1:22 failed: .*ECONNREFUSED/],
      ['a namespace address is black-holed (no neighbour answers)', '10.213.10.9', /timed out after 1500 ms connecting to/],
    ])('reports unreachable when %s', async (_case, address, want) => {
      const c = conn(
        {
          ansible_host: address,
          ansible_port: 22,
          ansible_ssh_common_args: `-o ProxyCommand="${netnsBridgeCommand(dir, netns)}"`,
        },
        { knownHostsFile: nsKnownHosts(), timeoutMs: 1500 },
      );
      const err = await caught(c.connect());
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err.message).toMatch(want);
    });

    it.each([
      [`sh -c 'echo no way through >&2; exit 3'`, 'ProxyCommand for root@127.0.0.1:22 failed: no way through'],
      ['false', 'ProxyCommand for root@127.0.0.1:22 failed: exit status 1'],
    ])('reports a failing ProxyCommand (%s) with what it said', async (command, want) => {
      const c = conn({ ansible_port: 22, ansible_ssh_common_args: `-o ProxyCommand="${command}"` });
      const err = await caught(c.connect());
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err.message).toContain(want);
    });

    it('reports a connection lost in the middle of a command as unreachable', async () => {
      const pidFile = join(dir, 'bridge.pid');
      const c = conn(
        {
          ansible_host: '127.0.0.1',
          ansible_port: 22,
          ansible_ssh_common_args: `-o ProxyCommand="${netnsBridgeCommand(dir, netns, pidFile)}"`,
        },
        { knownHostsFile: nsKnownHosts() },
      );
      expect((await c.exec('echo up')).stdout).toBe('up\n');
      const running = c.exec('sleep 30');
      await new Promise((r) => setTimeout(r, 300));
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
      const err = await caught(running);
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err.message).toContain('connection lost');
      expect(await caught(c.exec('echo again'))).toBeInstanceOf(UnreachableError);
    });
  });

  function nsKnownHosts(): string {
    const file = join(dir, 'kh-ns');
    writeFileSync(file, `${nsSshd.knownHostsLine('127.0.0.1')}\n${nsTarget.knownHostsLine('[127.0.0.1]:2222')}\n`);
    return file;
  }

  it('connects through a ProxyCommand into a network namespace', async () => {
    const c = conn(
      {
        ansible_host: '127.0.0.1',
        ansible_port: 22,
        ansible_ssh_common_args: `-o ProxyCommand="${netnsBridgeCommand(dir, netns)}" -o ServerAliveInterval=5`,
      },
      { knownHostsFile: nsKnownHosts() },
    );
    const here = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' }).trim();
    const there = (await c.exec('readlink /proc/self/ns/net')).stdout.trim();
    expect(there).toMatch(/^net:\[\d+\]$/);
    expect(there).not.toBe(here);
    expect(nsSshd.log()).toContain('Accepted publickey for root');
  });

  it('connects through a ProxyJump host named in the ssh config (itself behind a ProxyCommand)', async () => {
    const config = join(dir, 'ssh_config');
    writeFileSync(
      config,
      [
        'Host jumpbox',
        '  HostName 127.0.0.1',
        '  Port 22',
        '  User root',
        `  IdentityFile ${plainKey.path}`,
        `  ProxyCommand ${netnsBridgeCommand(dir, netns)}`,
        'Match exec "touch ' + join(dir, 'match-exec-ran') + '"',
        '  User nobody',
        '',
      ].join('\n'),
    );
    const before = acceptedLogins(nsTarget);
    const c = conn(
      { ansible_host: '127.0.0.1', ansible_port: 2222, ansible_ssh_common_args: '-J jumpbox' },
      { knownHostsFile: nsKnownHosts(), sshConfigFile: config },
    );
    expect(c.target.proxyJump).toEqual([{ host: 'jumpbox' }]);
    expect((await c.exec('echo through-jump')).stdout).toBe('through-jump\n');
    expect(acceptedLogins(nsTarget) - before).toBe(1);
    expect(nsTarget.log()).toMatch(/Connection from 127\.0\.0\.1 port \d+ on 127\.0\.0\.1 port 2222/);
    expect(existsSync(join(dir, 'match-exec-ran'))).toBe(false);
  });

  it('createConnection makes SSH connections and rejects unknown connection types', async () => {
    const c = createConnection('web1', { ansible_host: '127.0.0.1' }, {});
    expect(c).toBeInstanceOf(SshConnection);
    expect(() => createConnection('web1', { ansible_connection: 'winrm' }, {})).toThrow(/unknown ansible_connection "winrm"/);
    const local = createConnection('here', { ansible_connection: 'local' }, {});
    expect(local).not.toBeInstanceOf(SshConnection);
    expect((await local.exec('echo local')).stdout).toBe('local\n');
    await local.close();
  });
});
