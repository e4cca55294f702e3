/**
 * One lab machine: an overlay over the shared image with its own identity,
 * booted by systemd-nspawn in its own network namespace, in the background.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from './errors.js';
import { isMachineNspawn, procAlive, procChildren, procCmdline, procStartTime } from './procs.js';
import { run, runOk, start } from './run.js';
import type { MachineState } from './state.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const upperDir = (m: MachineState): string => join(m.dir, 'upper');
export const workDir = (m: MachineState): string => join(m.dir, 'work');
export const consoleLog = (m: MachineState): string => join(m.dir, 'console.log');

export function isMounted(path: string): boolean {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  return mounts.split('\n').some((l) => l.split(' ')[4] === path);
}

export async function mountOverlay(m: MachineState, image: string): Promise<void> {
  await mkdir(upperDir(m), { recursive: true });
  await mkdir(workDir(m), { recursive: true });
  await mkdir(m.root, { recursive: true });
  if (isMounted(m.root)) return;
  await runOk([
    'mount',
    '-t',
    'overlay',
    'overlay',
    '-o',
    `lowerdir=${image},upperdir=${upperDir(m)},workdir=${workDir(m)}`,
    m.root,
  ]);
}

export async function unmountOverlay(m: MachineState): Promise<void> {
  for (let i = 0; i < 5 && isMounted(m.root); i++) {
    const r = await run(['umount', m.root]);
    if (r.rc !== 0) {
      await sleep(200);
      if (i === 4) await runOk(['umount', '-l', m.root]);
    }
  }
}

export interface Identity {
  /** lines for /etc/hosts: every machine of the lab */
  hosts: { name: string; address: string }[];
  /** the controller's public key, for root's authorized_keys */
  authorizedKey: string;
}

/**
 * Give a fresh overlay its own identity: hostname, machine-id, SSH host key,
 * root's authorized_keys. Returns the public host key (for known_hosts).
 */
export async function writeIdentity(m: MachineState, id: Identity): Promise<string> {
  const etc = join(m.root, 'etc');
  await writeFile(join(etc, 'hostname'), `${m.host}\n`);
  await writeFile(join(etc, 'machine-id'), `${randomBytes(16).toString('hex')}\n`);
  const hostsText = ['127.0.0.1\tlocalhost', `127.0.1.1\t${m.host}`, ...id.hosts.map((h) => `${h.address}\t${h.name}`), ''];
  await writeFile(join(etc, 'hosts'), hostsText.join('\n'));
  const keyFile = join(etc, 'ssh', 'ssh_host_ed25519_key');
  await rm(keyFile, { force: true });
  await rm(`${keyFile}.pub`, { force: true });
  await runOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${m.host}`, '-f', keyFile]);
  await writeFile(join(etc, 'ssh', 'sshd_config.d', 'hapb-hostkey.conf'), 'HostKey /etc/ssh/ssh_host_ed25519_key\n');
  const ssh = join(m.root, 'root', '.ssh');
  await mkdir(ssh, { recursive: true });
  await chmod(ssh, 0o700);
  await writeFile(join(ssh, 'authorized_keys'), `${id.authorizedKey.trim()}\n`, { mode: 0o600 });
  return (await readFile(`${keyFile}.pub`, 'utf8')).trim();
}

export function nspawnArgv(m: MachineState): string[] {
  return [
    'systemd-nspawn',
    '-q',
    '--register=no',
    '--keep-unit',
    `--machine=${m.machine}`,
    `--hostname=${m.host}`,
    '-D',
    m.root,
    '-b',
    `--network-namespace-path=/run/netns/${m.netns}`,
    '--capability=CAP_NET_ADMIN',
    '--console=passive',
  ];
}

/**
 * Mount points of the cgroup hierarchies systemd uses: the unified (v2) one and,
 * on a hybrid box, the v1 `name=systemd` one.
 */
export function systemdCgroupMounts(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const mnt = pre.split(' ')[4];
    const [fstype, , superOpts] = post.split(' ');
    if (!mnt) continue;
    if (fstype === 'cgroup2' || (fstype === 'cgroup' && (superOpts ?? '').split(',').includes('name=systemd'))) out.push(mnt);
  }
  return out;
}

/**
 * Every machine gets its own cgroup (nspawn --keep-unit stays in the cgroup it
 * starts in): without it all machines share one, and systemd inside one machine
 * would see and manage the units of the others.
 */
export function machineCgroups(m: MachineState): string[] {
  return systemdCgroupMounts().map((mnt) => join(mnt, 'hapb-lab', m.machine));
}

/**
 * nspawn killed with SIGKILL leaves its propagation dir and the lock of its
 * root dir in /run/systemd/nspawn; remove the ones of this (stopped) machine.
 * `rootLock` is the lock's name, taken while the overlay is mounted.
 */
export async function removeNspawnLeftovers(m: MachineState, rootLock: string | undefined): Promise<void> {
  await rmdir(join('/run/systemd/nspawn/propagate', m.machine)).catch(() => undefined);
  if (rootLock) await rm(join('/run/systemd/nspawn/locks', rootLock), { force: true });
}

/** the name of nspawn's lock for the machine's root (inode-DEV:INO), while it is mounted */
export function rootLockName(m: MachineState): string | undefined {
  try {
    if (!isMounted(m.root)) return undefined;
    const st = statSync(m.root);
    return `inode-${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Remove a stopped machine's cgroups, deepest first. Dying processes keep a
 * cgroup busy for a moment after SIGKILL, so this retries for up to `waitMs`;
 * returns the dirs still left.
 */
export async function removeCgroups(m: MachineState, waitMs = 5_000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  let left = machineCgroups(m).filter((d) => existsSync(d));
  while (left.length > 0) {
    for (const dir of left) await rmdirTree(dir);
    left = left.filter((d) => existsSync(d));
    if (left.length === 0 || Date.now() > deadline) break;
    await sleep(50);
  }
  return left;
}

async function rmdirTree(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return;
  }
  for (const e of entries) await rmdirTree(join(dir, e));
  await rmdir(dir).catch(() => undefined);
}

/** systemd-nspawn's exit code when the container rebooted (systemd-nspawn(1)) */
export const NSPAWN_REBOOT_EXIT = 133;

/**
 * sh script: move itself into the machine's cgroups, then run nspawn with "$@"
 * and boot it again while it exits with 133 (the machine rebooted), as
 * systemd-nspawn@.service does with RestartForceExitStatus=133. Any other exit
 * (poweroff inside, a kill from `lab poweroff`/`down`) ends the script.
 */
export function cgroupExecScript(cgroups: string[]): string {
  const moves = cgroups.map((d) => `mkdir -p '${d}' && echo $$ > '${d}/cgroup.procs' || exit 97`);
  return [
    ...moves,
    `while :; do "$@"; rc=$?; [ "$rc" -eq ${NSPAWN_REBOOT_EXIT} ] || exit "$rc"; echo "hapb lab: the machine rebooted, booting it again"; done`,
  ].join('\n');
}

/** Start nspawn in its own session and cgroup in the background; records pid and pidStart in `m`. */
export async function startMachine(m: MachineState): Promise<void> {
  const args = ['-c', cgroupExecScript(machineCgroups(m)), 'sh', ...nspawnArgv(m)];
  const fd = openSync(consoleLog(m), 'a');
  try {
    // /proc/sys/net writable: the machine has its own network namespace (net.* sysctls are its own)
    const env = { ...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network' };
    const child = start(['/bin/sh', ...args], { detached: true, stdio: ['ignore', fd, fd], env });
    const pid = child.pid;
    if (pid === undefined) throw new LabError(`${m.host}: systemd-nspawn did not start`);
    child.unref();
    m.pid = pid;
    m.pidStart = procStartTime(pid);
    m.leader = undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The nspawn running now under a machine's supervisor (the sh of
 * `cgroupExecScript`, whose PID the state records); `pid` itself when it is
 * the nspawn. Undefined between two boots of a reboot.
 */
export function findNspawn(pid: number): number | undefined {
  const isNspawn = (p: number): boolean => /(^|\/)systemd-nspawn$/.test(procCmdline(p)?.[0] ?? '');
  if (isNspawn(pid)) return pid;
  return procChildren(pid).find(isNspawn);
}

/** the machine's PID 1 (systemd) as seen from here: the child of nspawn that runs systemd */
export function findLeader(pid: number): number | undefined {
  const nspawn = findNspawn(pid);
  if (nspawn === undefined) return undefined;
  for (const c of procChildren(nspawn)) {
    const argv = procCmdline(c);
    if (argv && argv[0] && /(^|\/)(systemd|init)$/.test(argv[0])) return c;
  }
  return undefined;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-8).join('\n');
  } catch {
    return '';
  }
}

/** Wait until systemd inside says running or degraded; records the leader in `m`. */
export async function waitRunning(m: MachineState, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (m.pid === undefined || !procAlive(m.pid)) {
      throw new LabError(`${m.host}: systemd-nspawn exited during boot`, { hint: tail(consoleLog(m)) });
    }
    m.leader ??= findLeader(m.pid);
    if (m.leader !== undefined) {
      const r = await run(['nsenter', '-t', String(m.leader), '-a', 'systemctl', 'is-system-running'], { env: machineEnv() });
      last = r.stdout.trim();
      if (last === 'running' || last === 'degraded') return last;
    }
    await sleep(100);
  }
  throw new LabError(`${m.host}: not running after ${timeoutMs / 1000} s (systemd says "${last}")`, { hint: tail(consoleLog(m)) });
}

/** a plain environment for commands inside a machine (none of the controller's variables) */
export function machineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    TERM: process.env['TERM'] ?? 'dumb',
    ...extra,
  };
}

/** Is the machine's recorded nspawn still alive and still that machine's? */
export function machineAlive(m: MachineState): boolean {
  return m.pid !== undefined && isMachineNspawn(m.pid, m.machine, m.pidStart);
}

/**
 * Power off at once: SIGKILL the machine's PID 1 (the kernel then kills
 * everything in its PID namespace) and its nspawn, after checking the PID
 * still is that machine's nspawn. Waits until nspawn is gone.
 */
export async function killMachine(m: MachineState, pids: number[] = []): Promise<void> {
  const targets = new Set<number>(pids);
  if (machineAlive(m) && m.pid !== undefined) targets.add(m.pid);
  // the supervisor first (it would boot the machine again), then PID 1, then nspawn
  const nspawns = [...targets].map(findNspawn).filter((p): p is number => p !== undefined);
  const leaders = [...targets].map(findLeader).filter((p): p is number => p !== undefined);
  for (const pid of targets) signal(pid, 'SIGKILL');
  for (const pid of leaders) signal(pid, 'SIGKILL');
  for (const pid of nspawns) {
    signal(pid, 'SIGKILL');
    targets.add(pid);
  }
  const deadline = Date.now() + 10_000;
  while ([...targets].some((p) => procAlive(p) && procStartTime(p) !== undefined && !isZombie(p)) && Date.now() < deadline) {
    await sleep(50);
  }
  m.pid = undefined;
  m.pidStart = undefined;
  m.leader = undefined;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
