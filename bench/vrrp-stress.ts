/**
 * False failovers under CPU saturation (issue 17): faster VRRP adverts move
 * the VIP sooner after a director dies, but a director too busy to send its
 * adverts on time looks dead to the others. This bench converges the
 * directors of a running lab with the given advert interval (and real-time
 * priority for keepalived's VRRP process, or none), saturates the directors'
 * CPUs for the given time, and counts every VRRP state change the directors
 * logged meanwhile: with nobody failing, each one is a false failover.
 *
 * The saturation: inside each director, as many busy loops as the box has
 * cores, as a transient unit of the director's own systemd (so they run in
 * the director's cgroup, competing with its keepalived and nginx), and
 * `stress-ng --cpu <cores>` on the host (Debian's stress-ng), so that every
 * core is busy. Nothing is sent on any network.
 *
 *   npx vite-node bench/vrrp-stress.ts --name LAB [--advert-int 0.02] [--rt-priority none|1-99] [--rlimit-rttime USEC]
 *                                      [--service-rt-priority none|1-99] [--idle]
 *                                      [--duration 30m] [--reload-every 20s] [--keep]
 *
 * The lab must be up with profile hapb (`hapb lab up --name LAB`). At the end
 * the busy loops and stress-ng are stopped (also on Ctrl-C) and the directors
 * converged back to the role's defaults, unless --keep. Root, `npm run build`
 * first. Figures also go to bench/results/<date>-vrrp-stress.md.
 *
 * `--reload-every`: meanwhile, each director in turn reloads keepalived and
 * nginx at that interval (what a converge that changes their configs does):
 * a VRRP process busy re-reading its configuration sends no adverts.
 *
 * Busy loops alone are not every load: with --rt-priority 50 and no reloads
 * this bench passed 30 minutes, yet a converge killed keepalived's VRRP
 * process: at real-time priority each reload sets RLIMIT_RTTIME again, which
 * fails without CAP_SYS_RESOURCE ("cannot set realtime rlimit"), and the
 * process is then killed. `--reload-every` reproduces it; deaths (`exited due
 * to signal`) and those failures are counted, and the capability is reported.
 * Beside the saturation, cyclictest (bench/stall-probe.ts) records every
 * stall of the machine itself (a wake-up at priority 99 more than 20 ms
 * late), and each false failover is matched with them: no scheduling setting
 * helps across a stall of the whole machine.
 *
 * The cause is keepalived's: at a reload it resets RLIMIT_RTTIME to a saved
 * value it never read (zero), then cannot raise it again.
 * `--service-rt-priority` gives keepalived real-time priority through systemd
 * instead (keepalived_service_rt_priority), which keepalived leaves alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/drill/soak/plan.js';
import { execIn, labInventoryPath, loadLab, waitSettled } from '../src/lab/index.js';
import { hapb, repo } from './drill-lab.js';
import { results } from './results.js';
import { hasCyclictest, type StallProbe, type StallReport, stallAt, startStallProbe } from './stall-probe.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    'advert-int': { type: 'string', default: '0.02' },
    'rt-priority': { type: 'string', default: 'none' },
    'rlimit-rttime': { type: 'string', default: '' },
    'service-rt-priority': { type: 'string', default: 'none' },
    duration: { type: 'string', default: '30m' },
    keep: { type: 'boolean', default: false },
    'reload-every': { type: 'string', default: '0' },
    /** --idle: the same watch without the saturation (the baseline: stalls and false failovers on a quiet box) */
    idle: { type: 'boolean', default: false },
  },
});
const name = values.name;
if (!name) throw new Error('--name LAB is required (a lab that is up, profile hapb)');
const advertInt = Number(values['advert-int']);
if (!(advertInt >= 0.01 && advertInt <= 40.95)) throw new Error(`--advert-int: VRRPv3 takes 0.01-40.95 s, got ${values['advert-int']}`);
const rt = values['rt-priority'] === 'none' ? '' : values['rt-priority'];
if (rt !== '' && !(Number.isInteger(Number(rt)) && Number(rt) >= 1 && Number(rt) <= 99)) throw new Error(`--rt-priority: 1-99 or none, got ${rt}`);
const rttime = values['rlimit-rttime'];
if (rttime !== '' && !(Number.isInteger(Number(rttime)) && Number(rttime) >= 2)) throw new Error(`--rlimit-rttime: microseconds ≥ 2, got ${rttime}`);
const serviceRt = values['service-rt-priority'] === 'none' ? '' : values['service-rt-priority'];
if (serviceRt !== '' && !(Number.isInteger(Number(serviceRt)) && Number(serviceRt) >= 1 && Number(serviceRt) <= 99))
  throw new Error(`--service-rt-priority: 1-99 or none, got ${serviceRt}`);
if (serviceRt !== '' && rt !== '') throw new Error('--service-rt-priority and --rt-priority: one or the other');
const durationS = parseDuration(values.duration) / 1000;
const reloadEveryMs = values['reload-every'] === '0' ? 0 : parseDuration(values['reload-every']);

// the host's share of the saturation: checked before anything is changed on the lab
if (spawnSync('stress-ng', ['--version'], { stdio: 'ignore' }).error) {
  throw new Error('stress-ng not found: install it (apt-get install stress-ng), then run the bench again');
}
if (!hasCyclictest()) throw new Error('cyclictest not found: install it (apt-get install rt-tests), then run the bench again');

const cores = cpus().length;
const state = loadLab(name);
const directors = state.machines.filter((m) => m.groups.includes('directors')).map((m) => m.host);
if (directors.length < 2) throw new Error(`lab ${name} needs 2 or more directors`);
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const r = results(import.meta.url, 'vrrp-stress', `False failovers ${!values.idle ? "with the directors' CPUs saturated" : 'on a quiet box (--idle)'}: advert_int ${advertInt} s, real-time priority ${rt ? `${rt} (keepalived's own)` : serviceRt ? `${serviceRt} (systemd's)` : 'none'}${rttime ? `, vrrp_rlimit_rttime ${rttime} µs` : ''}${reloadEveryMs ? `, reloads every ${values['reload-every']}` : ''}, ${values.duration}`);

/** converge the lab's directors with this build's CLI (its output on stderr) */
async function hapbRun(extra: string[]): Promise<void> {
  const code = await hapb(['run', join(repo, 'playbooks', 'site.yml'), '-i', labInventoryPath(name as string), '--limit', 'directors', ...extra]);
  if (code !== 0) throw new Error(`converge failed (exit ${code})`);
}

const HOG_UNIT = 'hapb-bench-hog';
let probe: StallProbe | undefined;

async function stopProbe(): Promise<StallReport | undefined> {
  const p = probe;
  probe = undefined;
  return p?.stop();
}

/** the machine's stalls, and which false failovers (a director entering MASTER) began during one */
function reportStalls(st: StallReport, states: string[]): void {
  const ms = (us: number): string => `${(us / 1000).toFixed(1)} ms`;
  const at = (t: number): string => new Date(t).toISOString().slice(11, 23);
  r.out(
    `machine stalls (cyclictest: a thread per core at priority 99 waking every 1 ms): largest wake-up delay per core ${st.maxUs.map(ms).join(', ')}; ` +
      `${st.stalls.length} wake-ups more than 20 ms late${st.stalls.length ? ':' : ''}`,
  );
  for (const x of st.stalls.slice(0, 40)) r.out(`  ${at(x.endMs)} UTC, core ${x.thread}: ${ms(x.latencyUs)}`);
  const masters = states.filter((l) => /Entering MASTER STATE/.test(l));
  const during = masters.filter((l) => {
    const stamp = /\d{4}-\d\d-\d\dT[\d:.]+[+-]\d{4}/.exec(l)?.[0];
    return stamp !== undefined && stallAt(st.stalls, Date.parse(stamp)) !== undefined;
  });
  r.out(`false failovers (a director entering MASTER) that began during a stall of the machine: ${during.length} of ${masters.length}`);
}
let stress: ChildProcess | undefined;
let hogsOn = false;
/** the reload loop runs while this is true */
let reloading = false;

async function startHogs(): Promise<void> {
  hogsOn = true;
  for (const d of directors) {
    for (let i = 0; i < cores; i++) {
      const res = await execIn(name as string, d, ['systemd-run', '--quiet', `--unit=${HOG_UNIT}-${i}`, '/bin/sh', '-c', 'while :; do :; done']);
      if (res.rc !== 0) throw new Error(`${d}: systemd-run failed: ${res.stderr}`);
    }
  }
  stress = spawn('stress-ng', ['--cpu', String(cores), '--timeout', `${Math.ceil(durationS) + 60}s`, '--quiet'], { stdio: 'ignore' });
  stress.on('error', (err) => process.stderr.write(`vrrp-stress: stress-ng: ${err.message}\n`));
}

async function stopHogs(): Promise<void> {
  if (stress && stress.exitCode === null) {
    const gone = new Promise((done) => stress?.once('close', done));
    stress.kill('SIGTERM');
    await gone;
  }
  stress = undefined;
  if (!hogsOn) return;
  for (const d of directors) {
    for (let i = 0; i < cores; i++) await execIn(name as string, d, ['systemctl', 'stop', `${HOG_UNIT}-${i}`]);
  }
  hogsOn = false;
}

// Ctrl-C while saturating ends the saturation early and reports what it saw so far;
// a second Ctrl-C (or one before the saturation began) stops at once
let saturating = false;
let stopEarly = false;
let wake: (() => void) | undefined;
process.on('SIGINT', () => {
  if (saturating && !stopEarly) {
    stopEarly = true;
    process.stderr.write('vrrp-stress: interrupted: ending the saturation and reporting what was seen so far (Ctrl-C again to stop at once)\n');
    wake?.();
    return;
  }
  r.out('interrupted before the saturation ended: no figures');
  r.save();
  void stopProbe()
    .then(() => stopHogs())
    .finally(() => process.exit(130));
});

/** what keepalived logs: a state change, an advert that moved priorities, its VRRP process dying */
const STATE = /Entering (MASTER|BACKUP|FAULT) STATE/;
const ADVERT = /received (lower|higher) priority advert/;
const DEATH = /exited due to signal/;
const RLIMIT = /cannot set realtime rlimit/;

/** those lines of a director's keepalived since `sinceEpochS` */
async function transitions(host: string, sinceEpochS: number): Promise<string[]> {
  const res = await execIn(name as string, host, ['journalctl', '-u', 'keepalived', '--since', `@${sinceEpochS}`, '-o', 'short-iso-precise', '--no-pager', '-q']);
  return res.stdout.split('\n').filter((l) => STATE.test(l) || ADVERT.test(l) || DEATH.test(l) || RLIMIT.test(l));
}

try {
  r.out(`lab ${name}: directors ${directors.join(', ')}; ${cores} cores; advert_int ${advertInt} s; vrrp_rt_priority ${rt || 'none'}; vrrp_rlimit_rttime ${rttime || 'default'}; keepalived_service_rt_priority ${serviceRt || 'none'}`);
  await hapbRun([
    '-e',
    `keepalived_advert_int=${advertInt}`,
    '-e',
    `keepalived_vrrp_rt_priority=${rt}`,
    '-e',
    `keepalived_vrrp_rlimit_rttime=${rttime}`,
    '-e',
    `keepalived_service_rt_priority=${serviceRt}`,
  ]);
  const settleMs = await waitSettled(name);
  r.out(`converged and settled (${(settleMs / 1000).toFixed(1)} s); load ${load()}`);
  // the VRRP process's scheduling policy, as the kernel reports it, and whether keepalived
  // may raise its own RLIMIT_RTTIME (CAP_SYS_RESOURCE, bit 24: without it, a reload at
  // real-time priority logs "child process cannot set realtime rlimit")
  for (const d of directors) {
    const pol = await execIn(name, d, ['sh', '-c', 'for p in $(pgrep keepalived); do echo "$(chrt -p $p | head -1), RTTIME limit $(sed -n "s/^Max realtime timeout *//p" /proc/$p/limits | tr -s " ")"; done']);
    const cap = await execIn(name, d, ['sh', '-c', 'grep CapEff /proc/$(pgrep -o keepalived)/status']);
    const eff = BigInt(`0x${cap.stdout.trim().split(/\s+/)[1] ?? '0'}`);
    r.out(`  ${d}: ${pol.stdout.trim().split('\n').join('; ')}; CAP_SYS_RESOURCE ${(eff >> 24n) & 1n ? 'yes' : 'no'}`);
  }
  const since = Math.floor(Date.now() / 1000) + 1;
  await new Promise((d) => setTimeout(d, 1500));
  if (!values.idle) await startHogs();
  probe = startStallProbe(cores, durationS + 120);
  r.out(
    !values.idle
      ? `saturating: ${cores} busy loops in each director and stress-ng --cpu ${cores} on the host, for ${values.duration}`
      : `not saturating (--idle): watching for ${values.duration}`,
  );
  const t0 = Date.now();
  let reloads = 0;
  reloading = true;
  const reloader = (async () => {
    if (reloadEveryMs === 0) return;
    for (let i = 0; reloading; i++) {
      await new Promise((d) => setTimeout(d, reloadEveryMs));
      if (!reloading) break;
      const d = directors[i % directors.length] as string;
      const res = await execIn(name, d, ['systemctl', 'reload', 'keepalived', 'nginx']);
      if (res.rc !== 0) process.stderr.write(`vrrp-stress: ${d}: reload failed: ${res.stderr.trim()}\n`);
      else reloads++;
    }
  })();
  if (reloadEveryMs > 0) r.out(`reloading keepalived and nginx every ${values['reload-every']}, on each director in turn`);
  const loads: number[] = [];
  saturating = true;
  while (Date.now() - t0 < durationS * 1000 && !stopEarly) {
    await new Promise<void>((d) => {
      const timer = setTimeout(d, Math.min(60_000, durationS * 1000 - (Date.now() - t0)));
      wake = () => {
        clearTimeout(timer);
        d();
      };
    });
    loads.push(loadavg()[0] ?? 0);
    const so = await Promise.all(directors.map((d) => transitions(d, since)));
    process.stderr.write(`vrrp-stress: ${Math.round((Date.now() - t0) / 1000)} s, load ${load()}, VRRP log lines so far ${so.reduce((a, x) => a + x.length, 0)}\n`);
  }
  saturating = false;
  const saturatedS = Math.round((Date.now() - t0) / 1000);
  reloading = false;
  await reloader;
  const stalls = await stopProbe();
  await stopHogs();
  if (reloadEveryMs > 0) r.out(`reloads of keepalived and nginx done: ${reloads}`);
  const lines = await Promise.all(directors.map(async (d) => ({ d, l: await transitions(d, since) })));
  const of = (re: RegExp): string[] => lines.flatMap(({ d, l }) => l.filter((x) => re.test(x)).map((x) => `${d}: ${x}`));
  const states = of(STATE);
  const deaths = of(DEATH);
  r.out(`load average (1 min) meanwhile: min ${Math.min(...loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}`);
  r.out(`VRRP state changes during ${saturatedS} s ${!values.idle ? 'of saturation' : 'watched'}${stopEarly ? ' (ended early by Ctrl-C)' : ''} with nobody failing (false failovers): ${states.length}`);
  for (const x of states.slice(0, 40)) r.out(`  ${x}`);
  for (const { d, l } of lines) {
    const other = l.filter((x) => ADVERT.test(x));
    if (other.length > 0) r.out(`  ${d}: ${other.length} advert priority messages, first: ${other[0]}`);
  }
  if (stalls) reportStalls(stalls, states);
  r.out(`VRRP process deaths: ${deaths.length}; "cannot set realtime rlimit" (at a reload, without CAP_SYS_RESOURCE): ${of(RLIMIT).length}`);
  for (const x of deaths.slice(0, 20)) r.out(`  ${x}`);
  r.out(`verdict: ${states.length === 0 && deaths.length === 0 ? 'PASS: no false failover, no VRRP process death' : 'FAIL: false failovers or VRRP process deaths'}`);
} finally {
  reloading = false;
  await stopProbe();
  await stopHogs();
  if (!values.keep) {
    await hapbRun([]);
    await waitSettled(name);
  }
  r.save();
}
