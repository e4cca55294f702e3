/**
 * Lab timings (issue 5), printed, never asserted. For the 5-host seed topology
 * and for 2 directors + 20 backends, over N runs (min/median/max):
 *   - `lab up` with a cached image INCLUDING the converge over SSH, until the
 *     client's first successful `curl` of the VIP (polled from inside the
 *     client every 100 ms with a 1 s timeout; nothing is sent from the root
 *     namespace), split into boot / converge / VIP wait;
 *   - a second converge with nothing to change, and its changed count;
 *   - `lab down`;
 *   - memory per machine (PSS of all processes in the machine, after converge);
 *   - poweroff / poweron of one machine.
 * The targets are printed beside the numbers. Where the converge's time goes is
 * printed per play/task from the timestamped log of `hapb run`. Root only;
 * `npm run build` first (the converge runs this build's `bin/hapb run`).
 *
 *   npx vite-node bench/lab.ts [--runs N] [--only seed|big] [--forks N] [--without-sysv-scripts]
 *
 * --forks N passes `--forks N` to the converges (default: none, i.e. what
 * `hapb lab up` does), to measure what more parallelism changes.
 * --without-sysv-scripts: see `withoutSysv` below (an experiment, not the lab as it is).
 *
 * Figures also go to bench/results/<date>-lab.md (bench/results.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  convergeLab,
  DEFAULT_PLAYBOOK,
  ensureImage,
  execIn,
  labDown,
  labInventoryPath,
  labKeyPath,
  labKnownHostsPath,
  labStatus,
  labUp,
  loadLab,
  poweroff,
  poweron,
  proxyCommand,
} from '../src/lab/index.js';
import type { ConvergeFn } from '../src/lab/index.js';
import { convergeArgv } from '../src/lab/converge.js';
import { results } from './results.js';

// ---- arguments -------------------------------------------------------------
function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const runs = Number(argValue('--runs') ?? '3');
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${argValue('--runs')}`);
const only = argValue('--only');
/** extra `hapb run` flags, to see what they change (the lab itself runs with hapb run's defaults), e.g. --forks 25 */
const forks = argValue('--forks');
const extraRunArgs = forks === undefined ? [] : ['--forks', forks];
/**
 * Experiment: remove the SysV scripts of nginx and keepalived from every machine
 * after boot (not counted), so `systemctl enable` does not run
 * systemd-sysv-install (update-rc.d, perl). What an image without them would give.
 */
const withoutSysv = process.argv.includes('--without-sysv-scripts');

const res = results(import.meta.url, 'lab', 'Lab timings: lab up + converge, second converge, lab down, memory');
const TARGET = { upMs: 10_000, reconvergeMs: 3_000, downMs: 3_000 };
/** issue 16: 2 directors + 20 backends up in 15 s (the seed: TARGET.upMs) */
const BIG_UP_MS = 15_000;
const VIP_POLL_MS = 100;
const VIP_GIVE_UP_MS = 60_000;

// ---- inventories -------------------------------------------------------------
const seed = new URL('../inventory/seed.yml', import.meta.url).pathname;

/** the seed's shape with web1..webN */
function bigInventory(backends: number): string {
  const web = Array.from({ length: backends }, (_, i) => [`        web${i + 1}:`, `          ansible_host: 192.168.0.${100 + i}`]).flat();
  return [
    'all:',
    '  children:',
    '    directors:',
    '      hosts:',
    '        backup:',
    '          ansible_host: 192.168.0.41',
    '          keepalived_priority: 90',
    '          keepalived_state: BACKUP',
    '        master:',
    '          ansible_host: 192.168.0.40',
    '          keepalived_priority: 100',
    '          keepalived_state: MASTER',
    '      vars:',
    '        keepalived_vip: 192.168.0.150/24',
    '        keepalived_interface: ens33',
    '        keepalived_router_id: 51',
    '    web:',
    '      hosts:',
    ...web,
    '    clients:',
    '      hosts:',
    '        client:',
    '          ansible_host: 192.168.0.10',
    '',
  ].join('\n');
}

// ---- the converge, timed -------------------------------------------------------
interface ConvergeRecord {
  ms: number;
  changed: number;
  failed: number;
  unreachable: number;
  /** time from spawn to each banner of the log, in order */
  segments: { label: string; ms: number }[];
}

/** the stats of Ansible's json callback document (`hapb run -o json`) */
interface RecapJson {
  stats: Record<string, { changed: number; failures: number; unreachable: number }>;
}

/** `hapb run ... -o json` as a child (like the lab's own converge), keeping the recap and a timeline of its log */
function timedConverge(sink: ConvergeRecord[]): ConvergeFn {
  return (req) =>
    new Promise((done, fail) => {
      const t0 = performance.now();
      const child = spawn(process.execPath, [...convergeArgv(req), ...extraRunArgs, '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let partial = '';
      const log: string[] = [];
      const marks: { label: string; at: number }[] = [{ label: 'node start, load inputs', at: 0 }];
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => {
        const at = performance.now() - t0;
        const lines = (partial + b.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) {
          log.push(l);
          const m = /^(PLAY RECAP|(?:PLAY|TASK|RUNNING HANDLER) \[.*\](?: \(batch [^)]*\))?) \*{3,}$/.exec(l);
          if (m?.[1]) marks.push({ label: m[1], at });
        }
      });
      child.on('error', fail);
      child.on('close', (rc) => {
        const ms = performance.now() - t0;
        marks.push({ label: 'end', at: ms });
        let recap: RecapJson | undefined;
        try {
          recap = JSON.parse(out) as RecapJson;
        } catch {
          recap = undefined;
        }
        if (rc !== 0 || !recap) {
          console.error(log.slice(-40).join('\n'));
          fail(new Error(`converge of ${req.lab} failed (hapb run exited ${rc ?? 'by a signal'})`));
          return;
        }
        const stats = Object.values(recap.stats);
        sink.push({
          ms,
          changed: stats.reduce((a, s) => a + s.changed, 0),
          failed: stats.reduce((a, s) => a + s.failures, 0),
          unreachable: stats.reduce((a, s) => a + s.unreachable, 0),
          segments: marks.slice(0, -1).map((m, i) => ({ label: m.label, ms: (marks[i + 1]?.at ?? ms) - m.at })),
        });
        done();
      });
    });
}

// ---- the VIP, from inside the client ----------------------------------------
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** poll `curl -s -m 1 http://VIP/` inside `client` every 100 ms; resolves with the time of the first answer */
async function firstVipAnswer(lab: string, client: string, vip: string): Promise<{ at: number; body: string }> {
  const start = performance.now();
  for (;;) {
    const t = performance.now();
    const r = await execIn(lab, client, ['curl', '-s', '-f', '-m', '1', `http://${vip}/`], { timeoutMs: 3000 });
    if (r.rc === 0) return { at: performance.now(), body: r.stdout.trim() };
    if (performance.now() - start > VIP_GIVE_UP_MS) throw new Error(`VIP ${vip} did not answer ${client} within ${VIP_GIVE_UP_MS} ms`);
    await sleep(Math.max(0, VIP_POLL_MS - (performance.now() - t)));
  }
}

// ---- fixed costs inside a converge ------------------------------------------------
/** wall time of argv to its exit; throws unless it exits 0 */
function timeCmd(argv: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const [cmd, ...args] = argv;
    if (!cmd) throw new Error('empty argv');
    const t = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', fail);
    child.on('close', (rc) => (rc === 0 ? done(performance.now() - t) : fail(new Error(`${argv.join(' ')} exited ${rc}: ${err}`))));
  });
}

interface FixedCosts {
  /** node + the CLI's modules: `hapb --version` */
  cliStartMs: number;
  /** the same plus loading and validating inventory, playbook, roles: `hapb run --syntax-check` */
  syntaxCheckMs: number;
  /** one OpenSSH connection + `true` through the lab's proxy (ip netns exec + node proxy.mjs) */
  sshMs: number;
}

async function fixedCosts(lab: string, address: string): Promise<FixedCosts> {
  const argv = convergeArgv({ lab, inventory: labInventoryPath(lab), playbook: DEFAULT_PLAYBOOK, profile: 'hapb' });
  const cliStartMs = await timeCmd([process.execPath, argv[0] ?? '', '--version']);
  const syntaxCheckMs = await timeCmd([process.execPath, ...argv, '--syntax-check']);
  const sshMs = await timeCmd([
    'ssh', '-F', '/dev/null', '-i', labKeyPath(lab), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${labKnownHostsPath(lab)}`, '-o', `ProxyCommand=${proxyCommand(lab, address, 22)}`,
    `root@${address}`, 'true',
  ]);
  return { cliStartMs, syntaxCheckMs, sshMs };
}

// ---- one run ---------------------------------------------------------------------
interface RunResult {
  machines: number;
  bootMs: number;
  convergeMs: number;
  /** of convergeMs: lab up's wait for the settled cluster (every service active, the VIP on its preferred director) */
  settleMs: number;
  vipWaitMs: number;
  upMs: number;
  firstChanged: number;
  reconvergeMs: number;
  reconvergeChanged: number;
  downMs: number;
  memMiB: number[];
  poweroffMs: number;
  poweronMs: number;
  first: ConvergeRecord;
  second: ConvergeRecord;
  answeredBy: string;
  fixed: FixedCosts;
}

let labCount = 0;

async function oneRun(inventory: string): Promise<RunResult> {
  const name = `bench-${process.pid}-${++labCount}`;
  const converges: ConvergeRecord[] = [];
  const converge = timedConverge(converges);
  let downMs: number | undefined;
  try {
    let bootEnd = 0;
    let asideMs = 0;
    let settleMs = 0;
    const t0 = performance.now();
    const st = await labUp({
      name,
      inventory,
      // the experiment needs a step between boot and converge: labUp's own converge is the same convergeLab call
      converge: withoutSysv ? false : converge,
      onProgress: (l) => {
        if (l.startsWith('converging')) bootEnd = performance.now();
        // lab up says how long its wait for the settled cluster took
        const settled = /^settled in (\d+(?:\.\d+)?) s/.exec(l);
        if (settled) settleMs = Number(settled[1]) * 1000;
      },
    });
    if (withoutSysv) {
      bootEnd = performance.now();
      await Promise.all(st.machines.map((m) => execIn(name, m.host, ['rm', '-f', '/etc/init.d/nginx', '/etc/init.d/keepalived'])));
      asideMs = performance.now() - bootEnd;
      await convergeLab(name, converge);
    }
    const clientHost = st.machines.find((m) => m.groups.includes('clients'))?.host;
    const vip = st.vips[0];
    if (!clientHost || !vip) throw new Error('the inventory needs a host in group clients and a VIP');
    const convergeEnd = performance.now();
    const answer = await firstVipAnswer(name, clientHost, vip);
    const upMs = answer.at - t0 - asideMs;

    const t1 = performance.now();
    await convergeLab(name, converge);
    const reconvergeMs = performance.now() - t1;

    const clientAddr = st.machines.find((m) => m.host === clientHost)?.address ?? '';
    const fixed = await fixedCosts(name, clientAddr);

    const status = await labStatus(name);
    const memMiB = status.machines.map((m) => m.memoryBytes / 2 ** 20);

    const victim = st.machines.find((m) => m.groups.includes('web'))?.host ?? clientHost;
    const t2 = performance.now();
    await poweroff(name, victim);
    const poweroffMs = performance.now() - t2;
    const t3 = performance.now();
    await poweron(name, victim);
    const poweronMs = performance.now() - t3;

    const t4 = performance.now();
    await labDown(name);
    downMs = performance.now() - t4;

    const [first, second] = converges;
    if (!first || !second) throw new Error('expected two converges');
    return {
      machines: st.machines.length,
      bootMs: bootEnd - t0,
      convergeMs: convergeEnd - bootEnd - asideMs,
      settleMs,
      vipWaitMs: answer.at - convergeEnd,
      upMs,
      firstChanged: first.changed,
      reconvergeMs,
      reconvergeChanged: second.changed,
      downMs,
      memMiB,
      poweroffMs,
      poweronMs,
      first,
      second,
      fixed,
      answeredBy: answer.body.split('\n')[0]?.slice(0, 40) ?? '',
    };
  } finally {
    if (downMs === undefined && loadLabOrUndefined(name)) await labDown(name).catch((e: unknown) => console.error(`lab down ${name}: ${String(e)}`));
  }
}

function loadLabOrUndefined(name: string): unknown {
  try {
    return loadLab(name);
  } catch {
    return undefined;
  }
}

// ---- printing -------------------------------------------------------------------------
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const sec = (ms: number): string => (ms / 1000).toFixed(2);
const mmm = (xs: number[], f: (x: number) => string): string => `${f(Math.min(...xs))} / ${f(median(xs))} / ${f(Math.max(...xs))}`;
const verdict = (xs: number[], target: number): string => `target <= ${sec(target)} s: ${median(xs) <= target ? 'pass' : 'MISS'} (median)${Math.max(...xs) > target && median(xs) <= target ? ', max misses' : ''}`;

interface Phase {
  label: string;
  ms: number;
}

/** a converge's timeline grouped: startup, then per play its facts (SSH connect included), tasks and handlers */
function phasesOf(rec: ConvergeRecord): Phase[] {
  const out: Phase[] = [];
  let play = '';
  let nth = 0;
  const add = (label: string, ms: number): void => {
    const last = out[out.length - 1];
    if (last && last.label === label) last.ms += ms;
    else out.push({ label, ms });
  };
  for (const seg of rec.segments) {
    if (seg.label.startsWith('PLAY [')) {
      play = `play ${++nth} ${seg.label.slice(5)}`;
      add(`${play}: start`, seg.ms);
    } else if (seg.label === 'TASK [Gathering Facts]') add(`${play}: Gathering Facts (SSH connect + facts)`, seg.ms);
    else if (seg.label.startsWith('RUNNING HANDLER')) add(`${play}: handlers`, seg.ms);
    else if (seg.label.startsWith('TASK')) add(`${play}: tasks`, seg.ms);
    else add(seg.label === 'PLAY RECAP' ? 'recap, exit' : seg.label, seg.ms);
  }
  // handlers run between tasks too (flush): merge the per-play tasks/handlers that got split
  const merged = new Map<string, number>();
  for (const p of out) merged.set(p.label, (merged.get(p.label) ?? 0) + p.ms);
  return [...merged].map(([label, ms]) => ({ label, ms }));
}

function printTimeline(title: string, records: ConvergeRecord[]): void {
  const first = records[0];
  if (!first) return;
  const total = median(records.map((r) => r.ms));
  res.out(`  ${title}: ${Math.round(total)} ms (median over runs; ms, share):`);
  const phased = records.map(phasesOf);
  for (const p of phased[0] ?? []) {
    const ms = median(phased.map((ps) => ps.find((x) => x.label === p.label)?.ms ?? 0));
    res.out(`    ${String(Math.round(ms)).padStart(6)}  ${((100 * ms) / total).toFixed(0).padStart(3)}%  ${p.label}`);
  }
  const slow = first.segments
    .map((seg, i) => ({ label: seg.label, ms: median(records.map((r) => r.segments[i]?.ms ?? 0)) }))
    .filter((s) => s.label.startsWith('TASK') || s.label.startsWith('RUNNING HANDLER'))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 6);
  res.out(`    slowest: ${slow.map((s) => `${s.label.replace(/^(TASK|RUNNING HANDLER) /, '')} ${Math.round(s.ms)}`).join('; ')}`);
}

function report(label: string, rs: RunResult[], upTargetMs: number): void {
  const col = (f: (r: RunResult) => number): number[] => rs.map(f);
  const mem = rs.flatMap((r) => r.memMiB);
  const r0 = rs[0];
  res.out(`\n== ${label}: ${r0?.machines ?? 0} machines, ${rs.length} runs (min / median / max) ==`);
  res.out(`  up + converge until the VIP answers   ${mmm(col((r) => r.upMs), sec)} s   ${verdict(col((r) => r.upMs), upTargetMs)}`);
  res.out(`    boot (until all machines running)   ${mmm(col((r) => r.bootMs), sec)} s`);
  res.out(`    converge (hapb run, first) + settle ${mmm(col((r) => r.convergeMs), sec)} s   changed ${mmm(col((r) => r.firstChanged), String)}`);
  res.out(`      of which settle (VIP to its master) ${mmm(col((r) => r.settleMs), sec)} s   (the master takes the VIP from the backup, converged first, after keepalived_preempt_delay)`);
  res.out(`    VIP wait after the converge         ${mmm(col((r) => r.vipWaitMs), sec)} s   first answer: ${r0?.answeredBy ?? ''}`);
  res.out(`  second converge (nothing to change)  ${mmm(col((r) => r.reconvergeMs), sec)} s   ${verdict(col((r) => r.reconvergeMs), TARGET.reconvergeMs)}`);
  const changed = col((r) => r.reconvergeChanged);
  res.out(`    changed=${mmm(changed, String)}   ${changed.every((c) => c === 0) ? 'pass (changed=0 every run)' : 'MISS (must be 0)'}`);
  res.out(`  lab down                              ${mmm(col((r) => r.downMs), sec)} s   ${verdict(col((r) => r.downMs), TARGET.downMs)}`);
  res.out(`  memory per machine (PSS)              ${mmm(mem, (x) => x.toFixed(1))} MiB   (all machines of all runs)`);
  res.out(`  poweroff / poweron one web            ${mmm(col((r) => r.poweroffMs), sec)} s / ${mmm(col((r) => r.poweronMs), sec)} s`);
  res.out(`  fixed costs in every converge: node + CLI modules (hapb --version) ${mmm(col((r) => r.fixed.cliStartMs), sec)} s;` +
    ` + load/validate inputs (run --syntax-check) ${mmm(col((r) => r.fixed.syntaxCheckMs), sec)} s; one OpenSSH connect + true via the lab proxy ${mmm(col((r) => r.fixed.sshMs), sec)} s`);
  printTimeline('first converge, per play/task', rs.map((r) => r.first));
  printTimeline('second converge, per play/task', rs.map((r) => r.second));
}

// ---- main ------------------------------------------------------------------------------
const t = performance.now();
const img = await ensureImage({ onProgress: (l) => console.error(`image: ${l}`) });
res.out(`image ${img.hash}: ${img.built ? `built in ${((performance.now() - t) / 1000).toFixed(1)} s` : 'cached'}`);
const load = loadavg().map((x) => x.toFixed(2)).join(' ');
res.out(`load average at start: ${load}; runs: ${runs}; hapb run extra args: ${extraRunArgs.join(' ') || 'none'}${withoutSysv ? '; EXPERIMENT: SysV scripts of nginx/keepalived removed after boot' : ''}`);

const dir = mkdtempSync(join(tmpdir(), 'hapb-b-lab-'));
try {
  const big = join(dir, 'big.yml');
  writeFileSync(big, bigInventory(20));
  const topologies: [string, string, string, number][] = [
    ['seed', 'seed: 2 directors, 2 web, 1 client', seed, TARGET.upMs],
    ['big', '2 directors + 20 backends + 1 client', big, BIG_UP_MS],
  ];
  for (const [key, label, inv, upTargetMs] of topologies) {
    if (only && only !== key) continue;
    const rs: RunResult[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await oneRun(inv);
      console.error(`${key} run ${i + 1}: up+converge->VIP ${sec(r.upMs)} s, reconverge ${sec(r.reconvergeMs)} s changed=${r.reconvergeChanged}, down ${sec(r.downMs)} s`);
      rs.push(r);
    }
    report(label, rs, upTargetMs);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
res.out(`\nload average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
res.save();
