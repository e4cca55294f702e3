/**
 * hapb against real `ansible-playbook` (issue 12, item 6), on the same inputs:
 *
 *   - local: a generated fixture of N hosts with the local connection, 11 tasks
 *     each (file, copy, template, lineinfile, blockinfile, link, command with
 *     creates, stat, assert, set_fact, debug; no fact gathering), every file
 *     under a root per tool; the first run (7 changes per host) and a no-op
 *     run (0 changes), both tools with forks 5;
 *   - lab: the seed topology booted with --python, converged over SSH with
 *     playbooks/site.yml (profile hapb) through the lab's ProxyCommand: the
 *     first converge of fresh machines by each tool (a fresh lab each), and
 *     the no-op converge after it.
 *
 * Each run's PLAY RECAP is checked (no failure; changes where expected, none
 * on a no-op), so a fast wrong run cannot pass as a fast one. Prints the times
 * and hapb's speed-up, with the targets (local >= 20x, lab no-op >= 5x), and
 * writes bench/results/<date>-ansible-compare.md (bench/results.ts records
 * the load average: the box is shared, and Ansible forks a Python per task).
 *
 *   npm run build && npx vite-node bench/ansible-compare.ts [--hosts N] [--runs N] [--only local|lab] [--no-lab-first] [--only-hapb]
 *
 * --hosts: local fixture size (default 20); --runs: no-op runs per tool (default 2,
 * the median counts); --no-lab-first: skip the first converges (two fresh labs);
 * --only-hapb: time hapb alone, print its times and write no result file (a quick
 * look while working on hapb's speed; the ratios need the full run).
 * Root, systemd-nspawn and ansible-core are needed for the lab part.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ansibleArgv, ansibleControlDir, ansibleEnv, closeAnsibleMasters } from '../src/lab/ansible-converge.js';
import { convergeArgv } from '../src/lab/converge.js';
import { run } from '../src/lab/run.js';
import { DEFAULT_PLAYBOOK, labDown, labInventoryPath, labUp, waitSettled } from '../src/lab/index.js';
import { results } from './results.js';

const repo = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '20' },
    runs: { type: 'string', default: '2' },
    only: { type: 'string' },
    'no-lab-first': { type: 'boolean', default: false },
    'only-hapb': { type: 'boolean', default: false },
  },
});
const HOSTS = Number(args.hosts);
const RUNS = Math.max(1, Number(args.runs));
const FORKS = 5;
const TASKS = 11;
const TARGET = { local: 20, labNoop: 5 };

// ---- the local fixture -------------------------------------------------------------

export function generateFixture(dir: string, n: number): { inventory: string; playbook: string } {
  const inv = ['all:', '  vars:', '    ansible_connection: local', '    ansible_python_interpreter: /usr/bin/python3', '  hosts:'];
  for (let i = 0; i < n; i++) inv.push(`    h${i}:`, `      port: ${8000 + i}`);
  const inventory = join(dir, 'hosts.yml');
  writeFileSync(inventory, inv.join('\n') + '\n');
  writeFileSync(join(dir, 'page.j2'), 'host {{ inventory_hostname }} listens on {{ port }}\n');
  const d = '{{ root }}/{{ inventory_hostname }}';
  const playbook = join(dir, 'site.yml');
  writeFileSync(
    playbook,
    `- name: Bench
  hosts: all
  gather_facts: false
  tasks:
    - name: Directory
      ansible.builtin.file: { path: "${d}", state: directory, mode: "0755" }
    - name: Copy
      ansible.builtin.copy: { content: "port={{ port }}\\n", dest: "${d}/a.conf", mode: "0644" }
    - name: Template
      ansible.builtin.template: { src: page.j2, dest: "${d}/b.conf", mode: "0644" }
    - name: Line
      ansible.builtin.lineinfile: { path: "${d}/c.conf", line: "name={{ inventory_hostname }}", create: true, mode: "0644" }
    - name: Block
      ansible.builtin.blockinfile: { path: "${d}/d.conf", block: "port {{ port }}", create: true, mode: "0644" }
    - name: Link
      ansible.builtin.file: { src: "${d}/a.conf", path: "${d}/e.conf", state: link }
    - name: Command
      ansible.builtin.command: { cmd: "touch ${d}/done", creates: "${d}/done" }
    - name: Stat
      ansible.builtin.stat: { path: "${d}/b.conf" }
      register: st
    - name: Assert
      ansible.builtin.assert: { that: [st.stat.exists], quiet: true }
    - name: Fact
      ansible.builtin.set_fact: { size: "{{ st.stat.size }}" }
    - name: Debug
      ansible.builtin.debug: { msg: "{{ inventory_hostname }} {{ size }}" }
`,
  );
  return { inventory, playbook };
}

// ---- running and checking ------------------------------------------------------------

interface Counts {
  changed: number;
  failed: number;
  unreachable: number;
}

function recapOf(text: string): Map<string, Counts> {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => /^PLAY RECAP \*+\s*$/.test(l));
  const out = new Map<string, Counts>();
  if (at < 0) return out;
  for (const l of lines.slice(at + 1)) {
    const m = /^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(l);
    if (!m) break;
    out.set(m[1] as string, { changed: Number(m[2]), unreachable: Number(m[3]), failed: Number(m[4]) });
  }
  return out;
}

interface Timed {
  seconds: number;
  /** user + system CPU seconds of the command and the descendants it waited for (bash's `times`) */
  cpu: number;
  changed: number;
}

/** bash's `times` line "0m1.500s 0m0.250s" of the children: their user + system seconds */
function cpuOf(line: string): number {
  return line
    .trim()
    .split(/\s+/)
    .map((t) => /^(\d+)m([\d.]+)s$/.exec(t))
    .reduce((sum, m) => sum + (m ? Number(m[1]) * 60 + Number(m[2]) : 0), 0);
}

/** run argv, wall time in s; throws unless it exits 0 with `hosts` hosts in its recap, none failed, changes as `expect` says */
async function timed(label: string, argv: string[], env: NodeJS.ProcessEnv, hosts: number, expect: 'changes' | 'none'): Promise<Timed> {
  const t = performance.now();
  // wrapped in bash for the CPU time of the whole process tree it waited for
  const r = await run(['bash', '-c', '"$@"; rc=$?; times >&2; exit $rc', 'bench', ...argv], { env: { ...env, NO_COLOR: '1', ANSIBLE_NOCOLOR: '1' } });
  const seconds = (performance.now() - t) / 1000;
  const cpu = cpuOf(r.stderr.trim().split('\n').pop() ?? '');
  const recap = recapOf(r.stdout);
  const bad = [...recap.values()].filter((c) => c.failed || c.unreachable).length;
  const changed = [...recap.values()].reduce((a, c) => a + c.changed, 0);
  const changedHosts = [...recap.values()].filter((c) => c.changed > 0).length;
  const ok = r.rc === 0 && recap.size === hosts && bad === 0 && (expect === 'none' ? changed === 0 : changedHosts > 0);
  if (!ok) {
    throw new Error(`${label}: exit ${r.rc}, ${recap.size}/${hosts} hosts in the recap, ${bad} failed, ${changed} changed (expected ${expect}):\n${(r.stdout + r.stderr).slice(-3000)}`);
  }
  console.error(`${label}: ${seconds.toFixed(1)} s, CPU ${cpu.toFixed(1)} s, ${changed} changed`);
  return { seconds, cpu, changed };
}

const hapbBin = [process.execPath, join(repo, 'bin', 'hapb')];

if (args['only-hapb']) {
  await onlyHapb();
  process.exit(0);
}

/** --only-hapb: hapb's local first run and no-op runs on the same fixture, the times on stderr, no result file */
async function onlyHapb(): Promise<void> {
  if (args.only === 'lab') throw new Error('--only-hapb times the local fixture only');
  const dir = mkdtempSync(join(tmpdir(), 'hapb-bench-ansible-'));
  try {
    const { inventory, playbook } = generateFixture(dir, HOSTS);
    writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\n');
    const env = { ...process.env, ANSIBLE_CONFIG: join(dir, 'ansible.cfg') };
    const root = join(dir, 'root-hapb');
    mkdirSync(root);
    const argv = [...hapbBin, 'run', playbook, '-i', inventory, '-f', String(FORKS), '-e', `root=${root}`, '--no-progress'];
    const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
    console.error(`load average ${load()}`);
    await timed('hapb first', argv, env, HOSTS, 'changes');
    for (let i = 0; i < RUNS; i++) await timed(`hapb no-op ${i + 1}`, argv, env, HOSTS, 'none');
    console.error(`load average ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const res = results(import.meta.url, 'ansible-compare', 'hapb vs ansible-playbook (bench/ansible-compare.ts)');
const say = res.out;
const ver = await run(['ansible-playbook', '--version']);
say(`${(ver.stdout.split('\n')[0] ?? 'ansible-playbook ?').trim()}; node ${process.version}; forks ${FORKS} for both`);
say('');
say('| case | ansible-playbook (s) | hapb (s) | hapb faster | target | ansible-playbook CPU (s) | hapb CPU (s) | CPU ratio |');
say('|---|---|---|---|---|---|---|---|');
const row = (name: string, a: Timed, h: Timed, target?: number): void => {
  const ratio = a.seconds / h.seconds;
  const verdict = target ? `>= ${target}x ${ratio >= target ? 'met' : 'MISSED'}` : '';
  say(`| ${name} | ${a.seconds.toFixed(1)} | ${h.seconds.toFixed(2)} | ${ratio.toFixed(1)}x | ${verdict} | ${a.cpu.toFixed(1)} | ${h.cpu.toFixed(2)} | ${(a.cpu / h.cpu).toFixed(1)}x |`);
};
/** the run of median wall time */
const medianRun = (xs: Timed[]): Timed => {
  const s = [...xs].sort((a, b) => a.seconds - b.seconds);
  return s[Math.floor((s.length - 1) / 2)] as Timed;
};

// ---- local -----------------------------------------------------------------------

if (args.only !== 'lab') {
  const dir = mkdtempSync(join(tmpdir(), 'hapb-bench-ansible-'));
  try {
    const { inventory, playbook } = generateFixture(dir, HOSTS);
    // both tools read this (empty) ansible.cfg, not the repository's or the user's
    writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\n');
    const env = { ...process.env, ANSIBLE_CONFIG: join(dir, 'ansible.cfg') };
    const roots = { ansible: join(dir, 'root-ansible'), hapb: join(dir, 'root-hapb') };
    for (const r of Object.values(roots)) mkdirSync(r);
    const argv = {
      ansible: (root: string): string[] => ['ansible-playbook', playbook, '-i', inventory, '-f', String(FORKS), '-e', `root=${root}`],
      hapb: (root: string): string[] => [...hapbBin, 'run', playbook, '-i', inventory, '-f', String(FORKS), '-e', `root=${root}`, '--no-progress'],
    };
    const first = {
      ansible: await timed('ansible first', argv.ansible(roots.ansible), env, HOSTS, 'changes'),
      hapb: await timed('hapb first', argv.hapb(roots.hapb), env, HOSTS, 'changes'),
    };
    if (first.ansible.changed !== first.hapb.changed) throw new Error(`first run: ansible changed ${first.ansible.changed}, hapb ${first.hapb.changed}`);
    const noop = { ansible: [] as Timed[], hapb: [] as Timed[] };
    for (let i = 0; i < RUNS; i++) {
      noop.ansible.push(await timed(`ansible no-op ${i + 1}`, argv.ansible(roots.ansible), env, HOSTS, 'none'));
      noop.hapb.push(await timed(`hapb no-op ${i + 1}`, argv.hapb(roots.hapb), env, HOSTS, 'none'));
    }
    row(`local, ${HOSTS} hosts x ${TASKS} tasks, first run (${first.hapb.changed} changes)`, first.ansible, first.hapb, TARGET.local);
    row(`local, ${HOSTS} hosts x ${TASKS} tasks, no-op (median of ${RUNS})`, medianRun(noop.ansible), medianRun(noop.hapb), TARGET.local);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- lab -------------------------------------------------------------------------

if (args.only !== 'local') {
  const seed = join(repo, 'inventory', 'seed.yml');
  const lab = `bench-ansc-${process.pid}`;
  const req = { lab, inventory: labInventoryPath(lab), playbook: join(repo, DEFAULT_PLAYBOOK), profile: 'hapb' as const };
  const seedHosts = 4; // site.yml's plays: web1, web2, master, backup (the client is in no play)
  const ansibleRun = async (label: string, expect: 'changes' | 'none'): Promise<Timed> => {
    mkdirSync(ansibleControlDir(lab), { recursive: true });
    try {
      return await timed(label, ansibleArgv(req), ansibleEnv(lab, process.env, repo), seedHosts, expect);
    } finally {
      await closeAnsibleMasters(lab);
    }
  };
  const hapbRun = (label: string, expect: 'changes' | 'none'): Promise<Timed> =>
    timed(label, [process.execPath, ...convergeArgv(req), '--no-progress'], process.env, seedHosts, expect);
  const fresh = async (): Promise<void> => {
    await labDown(lab);
    await labUp({ name: lab, inventory: seed, python: true, converge: false, onProgress: (l) => console.error(`lab: ${l}`) });
  };
  try {
    let firstA: Timed | undefined;
    let firstH: Timed | undefined;
    if (!args['no-lab-first']) {
      await fresh();
      firstH = await hapbRun('lab: hapb first converge', 'changes');
      await fresh();
    } else {
      await fresh();
    }
    // the no-ops run on the lab ansible-playbook converged (hapb's no-op there is the conformance claim too)
    const a = await ansibleRun('lab: ansible first converge', 'changes');
    if (!args['no-lab-first']) firstA = a;
    await waitSettled(lab);
    const noop = { ansible: [] as Timed[], hapb: [] as Timed[] };
    for (let i = 0; i < RUNS; i++) {
      noop.ansible.push(await ansibleRun(`lab: ansible no-op ${i + 1}`, 'none'));
      noop.hapb.push(await hapbRun(`lab: hapb no-op ${i + 1}`, 'none'));
    }
    if (firstA && firstH) row('lab over SSH (seed, 4 hosts), first converge (profile hapb)', firstA, firstH);
    row(`lab over SSH (seed, 4 hosts), no-op converge (median of ${RUNS})`, medianRun(noop.ansible), medianRun(noop.hapb), TARGET.labNoop);
  } finally {
    await labDown(lab);
  }
}

say('');
say('Local: the same playbook and inventory for both, each writing into its own root. Lab: playbooks/site.yml');
say('over SSH through the lab\'s ProxyCommand; Ansible\'s SSH masters are closed after each run (as hapb');
say('connects afresh per run). Wall times on a shared box: see the load average above. CPU: user + system');
say('seconds of the tool and the processes it waited for, on the controller (on the lab, not what the machines');
say('spent; Ansible\'s backgrounded SSH masters are not counted), less sensitive to a loaded box than wall time.');
res.save();
