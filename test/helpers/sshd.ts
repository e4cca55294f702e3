/**
 * Real OpenSSH servers for tests: Debian's /usr/sbin/sshd -D -e with its own
 * config, host keys and authorized_keys in a temp dir, on 127.0.0.1 of the
 * root namespace (a free high port) or inside a network namespace made here.
 * Also: namespaces, a ProxyCommand bridge into a namespace, temporary users
 * with sudoers drop-ins, and ssh-agent. Everything carries the prefix
 * hapb-t-ssh-<pid> and is removed by the returned stop/remove functions.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const PREFIX = `hapb-t-ssh-${process.pid}`;

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
}

/** A free TCP port on 127.0.0.1 of the root namespace. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface KeyPair {
  path: string;
  pub: string;
  /** SHA256:... as ssh-keygen -l prints it */
  fingerprint: string;
}

export function makeKeyPair(path: string, opts: { type?: string; passphrase?: string; comment?: string } = {}): KeyPair {
  run('ssh-keygen', ['-q', '-t', opts.type ?? 'ed25519', '-N', opts.passphrase ?? '', '-C', opts.comment ?? PREFIX, '-f', path]);
  const pub = readFileSync(`${path}.pub`, 'utf8').trim();
  const fingerprint = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`]).split(' ')[1] ?? '';
  return { path, pub, fingerprint };
}

export interface Sshd {
  port: number;
  listen: string;
  netns: string | undefined;
  pid: number;
  dir: string;
  /** the server's first host key */
  hostKey: KeyPair;
  /** all its host keys */
  hostKeys: KeyPair[];
  /** `host keytype base64` line for known_hosts under `name` (default: the first host key) */
  knownHostsLine(name: string, key?: KeyPair): string;
  /** let `pubKey` log in as `user` */
  authorize(user: string, pubKey: string): void;
  /** everything sshd logged so far */
  log(): string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** folder for config, keys and logs (created) */
  dir: string;
  /** address to listen on; default 127.0.0.1 */
  listen?: string;
  /** default: a free port (root namespace) or 22 (in a namespace) */
  port?: number;
  /** run inside this network namespace (made with makeNetns) */
  netns?: string;
  /** offer the SFTP subsystem (default true) */
  sftp?: boolean;
  /** host key types, the first is `hostKey` (default ['ed25519']) */
  hostKeyTypes?: string[];
}

export async function startSshd(opts: SshdOptions): Promise<Sshd> {
  const dir = opts.dir;
  // sshd reads authorized_keys as the user logging in: world-readable folders (the parent must be too)
  mkdirSync(join(dir, 'authorized_keys'), { recursive: true, mode: 0o755 });
  // Debian's sshd refuses to start without its privilege separation folder
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const types = opts.hostKeyTypes ?? ['ed25519'];
  const hostKeys = types.map((t) => makeKeyPair(join(dir, `ssh_host_${t}_key`), { type: t, comment: `${PREFIX}-host` }));
  const hostKey = hostKeys[0];
  if (!hostKey) throw new Error('no host key type');
  const listen = opts.listen ?? '127.0.0.1';
  const port = opts.port ?? (opts.netns ? 22 : await freePort());
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      `ListenAddress ${listen}`,
      ...hostKeys.map((k) => `HostKey ${k.path}`),
      'PidFile none',
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}/%u`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      ...(opts.sftp === false ? [] : ['Subsystem sftp internal-sftp']),
      'LogLevel VERBOSE',
      'MaxStartups 100',
      // bash sources ~/.bashrc for a command sshd runs unless it is a nested shell;
      // a developer's .bashrc (pyenv init, seen on the test machines) costs ~0.5 s a command
      'SetEnv SHLVL=1',
      '',
    ].join('\n'),
  );
  const sshdArgs = ['-D', '-e', '-f', config];
  const child: ChildProcess = opts.netns
    ? spawn('ip', ['netns', 'exec', opts.netns, '/usr/sbin/sshd', ...sshdArgs], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn('/usr/sbin/sshd', sshdArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let logText = '';
  child.stderr?.on('data', (d: Buffer) => {
    logText += d.toString('utf8');
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('sshd did not start');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`sshd did not listen within 10 s:\n${logText}`)), 10_000);
    const check = (): void => {
      if (/Server listening on/.test(logText)) {
        clearTimeout(deadline);
        resolve();
      }
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`sshd exited with ${code}:\n${logText}`));
    });
    check();
  });

  const hostKeyFields = hostKey.pub.split(' ');
  return {
    port,
    listen,
    netns: opts.netns,
    pid,
    dir,
    hostKey,
    hostKeys,
    knownHostsLine: (name, key = hostKey) => {
      const [t, b] = key === hostKey ? hostKeyFields : key.pub.split(' ');
      return `${name} ${t} ${b}`;
    },
    authorize(user, pubKey) {
      const file = join(dir, 'authorized_keys', user);
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        /* first key */
      }
      writeFileSync(file, `${text}${pubKey.trim()}\n`);
    },
    log: () => logText,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
      }
    },
  };
}

/** Make a network namespace with lo up. */
export function makeNetns(name: string): void {
  run('ip', ['netns', 'add', name]);
  run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

export function removeNetns(name: string): void {
  try {
    run('ip', ['netns', 'del', name]);
  } catch {
    /* already gone */
  }
}

/**
 * A ProxyCommand that enters namespace `netns` and connects there to %h:%p,
 * piping its stdio (what `nc` would do). `pidFile` receives the bridge's pid.
 */
export function netnsBridgeCommand(dir: string, netns: string, pidFile?: string): string {
  const script = join(dir, 'bridge.cjs');
  writeFileSync(
    script,
    [
      "const net = require('net');",
      'const s = net.connect(Number(process.argv[3]), process.argv[2]);',
      'process.stdin.pipe(s);',
      's.pipe(process.stdout);',
      "s.on('error', (e) => { process.stderr.write('bridge: ' + e.message + '\\n'); process.exit(1); });",
      "s.on('close', () => process.exit(0));",
      '',
    ].join('\n'),
  );
  const bridge = `ip netns exec ${netns} ${process.execPath} ${script} %h %p`;
  return pidFile ? `sh -c 'echo $$ > ${pidFile}; exec ${bridge}'` : bridge;
}

/**
 * Inventory variables that reach `sshd` as root with `keyPath`: directly on
 * 127.0.0.1, or through a ProxyCommand into its namespace. Its host key must be
 * in the known_hosts file given to the run (see knownHostsLine / hostKeyName).
 */
export function sshHostVars(sshd: Sshd, keyPath: string, bridgeDir: string): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    ansible_host: sshd.listen,
    ansible_port: sshd.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: keyPath,
  };
  if (sshd.netns) vars.ansible_ssh_common_args = `-o ProxyCommand="${netnsBridgeCommand(bridgeDir, sshd.netns)}"`;
  return vars;
}

/** The known_hosts name of an sshd: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(sshd: Sshd): string {
  return sshd.port === 22 ? sshd.listen : `[${sshd.listen}]:${sshd.port}`;
}

export interface TempUser {
  name: string;
  remove(): void;
}

/**
 * A local user (no home) with a password, and an optional sudoers drop-in
 * named like the user. Removed (user and drop-in) by remove().
 */
export function makeUser(name: string, password: string, sudoers?: string): TempUser {
  run('useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/sh', name]);
  run('chpasswd', [], `${name}:${password}\n`);
  const dropIn = `/etc/sudoers.d/${name}`;
  if (sudoers !== undefined) {
    const tmp = join('/tmp', `${name}.sudoers`);
    writeFileSync(tmp, sudoers, { mode: 0o440 });
    try {
      run('visudo', ['-cqf', tmp]);
      run('install', ['-m', '0440', tmp, dropIn]);
    } finally {
      run('rm', ['-f', tmp]);
    }
  }
  return {
    name,
    remove() {
      run('rm', ['-f', dropIn]);
      try {
        run('userdel', [name]);
      } catch {
        /* already gone */
      }
    },
  };
}

export interface Agent {
  socket: string;
  pid: number;
  add(keyPath: string): void;
  stop(): void;
}

/** Start ssh-agent in the foreground on its own socket. */
export async function startAgent(dir: string): Promise<Agent> {
  const socket = join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'ignore', 'ignore'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('ssh-agent did not start');
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(socket)) throw new Error('ssh-agent did not create its socket');
  return {
    socket,
    pid,
    add(keyPath) {
      execFileSync('ssh-add', ['-q', keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
    },
  };
}
