/**
 * The unit suite's wall time (issue 11: "the unit suite under 20 s on this
 * machine"): runs `vitest run --project unit` N times in a row and prints,
 * per run, the wall time, the CPU time of vitest and its children (user +
 * system, from /proc: less sensitive than the wall time to a shared box),
 * vitest's own breakdown (transform, collect, tests) and the load average
 * before the run; then the medians. Writes bench/results/<date>-unit-suite.md
 * (bench/results.ts).
 * A busy box inflates every timing: before each run the bench waits until the
 * 1-minute load average is below --max-load (default 1.5), at most --wait
 * seconds (default 600); a run started on a busier box is marked "busy".
 *   npx vite-node bench/unit-suite.ts [--runs N] [--max-load L] [--wait S] [-- extra vitest arguments]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { results } from './results.js';

const repo = resolve(import.meta.dirname, '..');

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a number, got ${process.argv[i + 1]}`);
  return v;
}
const runs = Math.max(1, Math.round(option('--runs', 3)));
const maxLoad = option('--max-load', 1.5);
const waitS = option('--wait', 600);
const dashes = process.argv.indexOf('--');
const extra = dashes >= 0 ? process.argv.slice(dashes + 1) : [];

const load1 = (): number => loadavg()[0] ?? 0;
const loads = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** CPU seconds (user + system) of the children this process has waited for: /proc/self/stat cutime + cstime. */
function childCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (field 3 of proc(5)); cutime and cstime are fields 16 and 17
  const ticks = Number(fields[13]) + Number(fields[14]);
  return ticks / 100; // USER_HZ, 100 on Linux
}

async function quiet(): Promise<boolean> {
  const until = Date.now() + waitS * 1000;
  let said = false;
  while (load1() >= maxLoad) {
    if (Date.now() >= until) return false;
    if (!said) process.stderr.write(`waiting for the load average to fall below ${maxLoad} (now ${loads()})\n`);
    said = true;
    await new Promise((r) => setTimeout(r, 5000));
  }
  return true;
}

interface Run {
  wall: number;
  cpu: number;
  load: string;
  busy: boolean;
  breakdown: string;
  exit: number;
}

async function once(): Promise<Run> {
  const busy = !(await quiet());
  const load = loads();
  const cpu0 = childCpu();
  const t0 = performance.now();
  let out = '';
  const exit = await new Promise<number>((done, fail) => {
    const child = spawn(process.execPath, [resolve(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'unit', ...extra], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = childCpu() - cpu0;
  // "Duration  20.07s (transform 3.1s, setup 0ms, collect 18.2s, tests 38.0s, environment 10ms, prepare 4.2s)"
  const m = /Duration\s+\S+\s+\((.*)\)/.exec(out);
  const breakdown = (m?.[1] ?? '').split(', ').filter((p) => /^(transform|collect|tests) /.test(p)).join(', ');
  if (exit !== 0) process.stderr.write(out.split('\n').slice(-40).join('\n'));
  return { wall, cpu, load, busy, breakdown, exit };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const r = results(import.meta.url, 'unit-suite', 'Unit suite wall time (bench/unit-suite.ts)');
r.out(`node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores; \`vitest run --project unit${extra.length ? ' ' + extra.join(' ') : ''}\`, ${runs} runs; each waits up to ${waitS} s for a 1-min load average below ${maxLoad} ("busy": it started above)`);
r.out('');
r.out('| run | wall (s) | CPU user+sys (s) | load before (1/5/15 min) | vitest (summed over files) | exit |');
r.out('|---|---|---|---|---|---|');
const all: Run[] = [];
for (let i = 1; i <= runs; i++) {
  const x = await once();
  all.push(x);
  r.out(`| ${i} | ${x.wall.toFixed(2)} | ${x.cpu.toFixed(1)} | ${x.load}${x.busy ? ' (busy)' : ''} | ${x.breakdown} | ${x.exit} |`);
}
r.out(`| median | ${median(all.map((x) => x.wall)).toFixed(2)} | ${median(all.map((x) => x.cpu)).toFixed(1)} | | | |`);
r.save();
process.exitCode = all.some((x) => x.exit !== 0) ? 1 : 0;
