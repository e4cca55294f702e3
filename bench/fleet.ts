/**
 * Fleet-sized converges (issue 16): N hosts (default 200), each a real sshd
 * of its own on a loopback port (test/helpers/sshd.ts) and its own root
 * directory, converged by bench/fleet/site.yml with --forks 50: the first
 * converge and the no-op one, wall time and the controller's peak memory
 * (RSS of its whole process tree, sampled every 100 ms), then the same with
 * real `ansible-playbook` for the ratio. Printed, never asserted; the targets
 * are printed beside the figures. Root (sshd), `npm run build` first.
 *
 * Both tools log in as a throwaway user made here, with a home from Debian's
 * /etc/skel, as a fresh server's user has: every remote command goes through
 * the login shell and its rc files, and the bench must not measure the rc
 * files of this machine's root (on the dev box, root's .bashrc runs
 * `pyenv init`, ~270 processes per command, which made a no-op of 20 hosts
 * take 10 s). Removed at the end, also on Ctrl-C.
 *
 *   npx vite-node bench/fleet.ts [--hosts 200] [--forks 50] [--no-ansible]
 *
 * Figures also go to bench/results/<date>-fleet.md (bench/results.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { makeKeyPair, startSshd, type Sshd } from '../test/helpers/sshd.js';
import { results } from './results.js';

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const hosts = Number(argValue('--hosts') ?? '200');
const forks = Number(argValue('--forks') ?? '50');
const withAnsible = !process.argv.includes('--no-ansible');
if (!Number.isInteger(hosts) || hosts < 1 || !Number.isInteger(forks) || forks < 1) throw new Error('--hosts and --forks take whole numbers >= 1');

const repo = resolve(import.meta.dirname, '..');
const r = results(import.meta.url, 'fleet', `Fleet converge: ${hosts} hosts over SSH, --forks ${forks}`);
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** RSS (KiB) of a process and all its descendants, from /proc */
function treeRssKiB(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const pages = Number(fields[21]);
      const pid = Number(name);
      rss.set(pid, (pages * 4096) / 1024);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length) {
    const p = todo.pop() as number;
    total += rss.get(p) ?? 0;
    todo.push(...(children.get(p) ?? []));
  }
  return total;
}

interface Run {
  wallS: number;
  peakMiB: number;
  code: number | null;
  changed: number;
  ok: number;
  failed: number;
  tail: string;
}

/** the command running now, stopped on Ctrl-C before the folder is removed */
let running: ChildProcess | undefined;

/** run a command, sampling its process tree's memory; counts from the PLAY RECAP */
function measure(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-400_000)));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-400_000)));
    let peak = 0;
    const timer = setInterval(() => {
      if (child.pid) peak = Math.max(peak, treeRssKiB(child.pid));
    }, 100);
    child.on('close', (code) => {
      clearInterval(timer);
      running = undefined;
      const recap = [...out.matchAll(/ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/g)];
      const sum = (i: number): number => recap.reduce((a, m) => a + Number(m[i]), 0);
      done({
        wallS: (performance.now() - started) / 1000,
        peakMiB: peak / 1024,
        code,
        ok: sum(1),
        changed: sum(2),
        failed: sum(3) + sum(4),
        tail: out.split('\n').slice(-15).join('\n'),
      });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'hapb-bench-fleet-'));
chmodSync(dir, 0o755);
const servers: Sshd[] = [];
const user = `hapbfleet${process.pid}`;
let userMade = false;
/** PIDs (other than this one) whose command line names `text`, or that run as `uid` */
function pidsOf(match: { text?: string; uid?: number }): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (match.text !== undefined && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(match.text)) out.push(Number(name));
      else if (match.uid !== undefined && new RegExp(`^Uid:\\s+${match.uid}\\s`, 'm').test(readFileSync(`/proc/${name}/status`, 'utf8'))) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
const sleep = (ms: number): Promise<void> => new Promise((d) => setTimeout(d, ms));
function end(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone meanwhile
  }
}
let uid = -1;
async function cleanUp(): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
  // Ansible's ssh masters (ControlPersist) outlive it, and keep their sshd sessions (run as the
  // throwaway user) open: end the masters, whose control sockets live in this bench's folder
  for (const pid of pidsOf({ text: dir })) end(pid, 'SIGTERM');
  if (userMade) {
    for (let i = 0; i < 50 && pidsOf({ uid }).length > 0; i++) await sleep(200);
    // still there after 10 s: the user exists only for this bench, so its processes are the bench's
    for (const pid of pidsOf({ uid })) end(pid, 'SIGKILL');
    await sleep(200);
    execFileSync('userdel', [user]);
    userMade = false;
  }
  // a tool interrupted mid-write may still be flushing: retried on ENOTEMPTY
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
// interrupted (Ctrl-C, timeout): keep the figures so far, stop the tool and every sshd, remove the user and the folder
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    r.out(`interrupted by ${sig}: the figures above are all there is`);
    r.save();
    const child = running;
    const stopped = child && child.exitCode === null ? new Promise((done) => child.once('close', done)) : Promise.resolve();
    child?.kill('SIGTERM');
    void stopped.then(cleanUp).finally(() => process.exit(130));
  });
}
try {
  const home = join(dir, 'home');
  execFileSync('useradd', ['--create-home', '--home-dir', home, '--skel', '/etc/skel', '--shell', '/bin/bash', user]);
  userMade = true;
  // no password, but not locked: sshd without PAM refuses key logins of a locked account ('!')
  execFileSync('usermod', ['--password', '*', user]);
  uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  const key = makeKeyPair(join(dir, 'id_ed25519'));
  const t0 = performance.now();
  for (let i = 0; i < hosts; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, hosts - i) }, (_, k) => startSshd({ dir: join(dir, 'sshd', `h${i + k + 1}`), sftp: true })),
    );
    for (const s of batch) s.authorize(user, key.pub);
    servers.push(...batch);
  }
  r.out(`login user ${user}: shell /bin/bash, home from /etc/skel (removed at the end)`);
  r.out(`${hosts} sshd started in ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${load()})`);
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, servers.map((s) => s.knownHostsLine(`[127.0.0.1]:${s.port}`)).join('\n') + '\n');
  const inventory = (tool: string): string => {
    const file = join(dir, `inventory-${tool}.yml`);
    const hostVars = Object.fromEntries(
      servers.map((s, i) => [`h${i + 1}`, { ansible_host: '127.0.0.1', ansible_port: s.port, fleet_root: join(dir, 'roots', tool, `h${i + 1}`) }]),
    );
    const vars = {
      ansible_user: user,
      ansible_ssh_private_key_file: key.path,
      ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
      ansible_python_interpreter: '/usr/bin/python3',
    };
    writeFileSync(file, YAML.stringify({ all: { hosts: hostVars, vars } }));
    mkdirSync(join(dir, 'roots', tool), { recursive: true, mode: 0o755 });
    chownSync(join(dir, 'roots', tool), uid, gid);
    return file;
  };
  const playbook = join(repo, 'bench', 'fleet', 'site.yml');
  const rows: [string, Run][] = [];
  const hapbInv = inventory('hapb');
  for (const pass of ['first converge', 'no-op']) {
    const run = await measure([join(repo, 'bin', 'hapb'), 'run', playbook, '-i', hapbInv, '--forks', String(forks)]);
    rows.push([`hapb ${pass}`, run]);
    r.out(`hapb ${pass}: ${run.wallS.toFixed(1)} s, peak ${run.peakMiB.toFixed(0)} MiB, changed=${run.changed} failed=${run.failed} exit ${run.code} (load ${load()})`);
    if (run.code !== 0) r.out(run.tail);
  }
  if (withAnsible) {
    const ansInv = inventory('ansible');
    for (const pass of ['first converge', 'no-op']) {
      const run = await measure(['ansible-playbook', playbook, '-i', ansInv, '--forks', String(forks)], {
        ANSIBLE_CONFIG: join(repo, 'ansible.cfg'),
        // its ssh masters' sockets in the bench's folder, so that the clean-up finds them
        ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'ansible-cp'),
      });
      rows.push([`ansible-playbook ${pass}`, run]);
      r.out(`ansible-playbook ${pass}: ${run.wallS.toFixed(1)} s, peak ${run.peakMiB.toFixed(0)} MiB, changed=${run.changed} failed=${run.failed} exit ${run.code} (load ${load()})`);
      if (run.code !== 0) r.out(run.tail);
    }
  }
  r.out();
  r.out(`| run (${hosts} hosts, --forks ${forks}) | wall s | controller peak MiB (process tree) | changed | failed | exit |`);
  r.out('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, run] of rows) r.out(`| ${name} | ${run.wallS.toFixed(1)} | ${run.peakMiB.toFixed(0)} | ${run.changed} | ${run.failed} | ${run.code ?? 'signal'} |`);
  const get = (n: string): Run | undefined => rows.find(([k]) => k === n)?.[1];
  const hNoop = get('hapb no-op');
  const aNoop = get('ansible-playbook no-op');
  const hFirst = get('hapb first converge');
  const aFirst = get('ansible-playbook first converge');
  r.out();
  if (hNoop) r.out(`targets: no-op under 10 s: ${hNoop.wallS.toFixed(1)} s (${hNoop.wallS < 10 ? 'met' : 'NOT met'}); controller under 500 MB: ${Math.max(hNoop.peakMiB, hFirst?.peakMiB ?? 0).toFixed(0)} MiB`);
  if (hNoop && aNoop && hFirst && aFirst && [hNoop, aNoop, hFirst, aFirst].every((x) => x.code === 0)) {
    r.out(`ratio ansible-playbook / hapb: first converge ${(aFirst.wallS / hFirst.wallS).toFixed(1)}x, no-op ${(aNoop.wallS / hNoop.wallS).toFixed(1)}x, memory ${(aNoop.peakMiB / hNoop.peakMiB).toFixed(1)}x`);
  }
  r.save();
} finally {
  await cleanUp();
}
