/**
 * Capacity of a running lab (issue 16), measured from inside its client
 * machine (every request goes from the client's namespace to lab addresses):
 * through one VIP, through every VIP at once (as DNS round robin spreads
 * clients), and straight to one web backend; with the directors' upstream
 * keep-alive off (profile hapb's default) and on. Two figures each:
 *
 * - the highest open-loop rate whose p99 stays under 50 ms with no failed
 *   request, found by our drill load generator (src/drill/loadgen): it sends
 *   on a fixed schedule whatever the answers do, so a slow answer cannot hide
 *   the requests that would have waited behind it (a closed-loop tool's
 *   "coordinated omission"), and it records every request. A step counts only
 *   when the generator kept its schedule (start lag under 20 ms): past that,
 *   the client box, not the cluster, is the limit, and the step says so.
 * - the closed-loop maximum (requests/s and its p99) from wrk (Debian's
 *   `wrk`, C, epoll, a few threads): the generator is node and one core's
 *   worth; wrk drives the cluster to saturation with far less CPU per request,
 *   so its maximum is the cluster's, not the client's. (wrk2 and oha, the
 *   open-loop C/Rust tools, are not packaged in Debian 12.)
 *
 *   npx vite-node bench/capacity.ts --name LAB [--step-s 6] [--no-upstream-keepalive]
 *
 * The lab must be up and converged (`hapb lab up -i inventory/active-active.yml
 * --name LAB`); the bench converges the directors with upstream keep-alive on
 * for the second pass and back to the profile's defaults at the end. Root,
 * `npm run build` first. Figures also go to bench/results/<date>-capacity.md.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { labInventoryPath, loadLab } from '../src/lab/index.js';
import { results } from './results.js';

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const name = argValue('--name');
if (!name) throw new Error('--name LAB is required (a lab that is up)');
const stepS = Number(argValue('--step-s') ?? '6');
const keepalivePass = !process.argv.includes('--no-upstream-keepalive');
const P99_MS = 50;
const MAX_LAG_MS = 20;

const repo = resolve(import.meta.dirname, '..');
const loadgen = join(repo, 'dist', 'drill', 'loadgen', 'main.js');
if (!existsSync(loadgen)) throw new Error('npm run build first');
const state = loadLab(name);
const client = state.machines.find((m) => m.groups.includes('clients'));
const backend = state.machines.find((m) => m.groups.includes('web'));
if (!client || !backend || state.vips.length === 0) throw new Error(`lab ${name} needs a client, a web backend and a VIP`);
const ns = client.netns;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const r = results(import.meta.url, 'capacity', `Capacity of lab ${name}: ${state.vips.length} VIP(s), p99 < ${P99_MS} ms`);

function run(argv: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(t);
      done({ code, out });
    });
  });
}

interface Step {
  rate: number;
  sent: number;
  failed: number;
  p99: number;
  lag: number;
}

/** one open-loop step from the client: `rate` req/s for stepS seconds over `urls` (round robin) */
async function openLoop(urls: string[], rate: number): Promise<Step> {
  const argv = ['ip', 'netns', 'exec', ns, process.execPath, loadgen, ...urls.flatMap((u) => ['--url', u]), '--rate', String(rate), '--duration-ms', String(stepS * 1000), '--timeout-ms', '2000'];
  const { out } = await run(argv, stepS * 1000 + 30_000);
  const recs = out
    .split('\n')
    .filter((l) => l.startsWith('{"type":"req"'))
    .map((l) => JSON.parse(l) as { latency: number; kind: string; started: number; scheduled: number });
  // the first second warms up (connections, caches): judged from 1 s on
  const judged = recs.filter((x) => x.scheduled >= 1000);
  const lat = judged.map((x) => x.latency).sort((a, b) => a - b);
  const p99 = lat.length ? (lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] ?? 0) : Infinity;
  return { rate, sent: recs.length, failed: recs.filter((x) => x.kind !== 'ok').length, p99, lag: Math.max(0, ...judged.map((x) => x.started - x.scheduled)) };
}

const passes = (s: Step): boolean => s.sent > 0 && s.failed === 0 && s.p99 < P99_MS && s.lag < MAX_LAG_MS;

/** the highest rate that passes: doubling from 250, then two bisection steps */
async function highestRate(label: string, urls: string[]): Promise<{ best?: Step; limit: string }> {
  let best: Step | undefined;
  let bad: Step | undefined;
  for (let rate = 250; rate <= 16_000; rate *= 2) {
    const s = await openLoop(urls, rate);
    process.stderr.write(`  ${label} ${rate}/s: p99 ${s.p99.toFixed(1)} ms, failed ${s.failed}, start lag ${s.lag.toFixed(0)} ms (load ${load()})\n`);
    if (!passes(s)) {
      bad = s;
      break;
    }
    best = s;
  }
  for (let k = 0; k < 2 && best && bad; k++) {
    const rate = Math.round((best.rate + bad.rate) / 2);
    const s = await openLoop(urls, rate);
    process.stderr.write(`  ${label} ${rate}/s: p99 ${s.p99.toFixed(1)} ms, failed ${s.failed}, start lag ${s.lag.toFixed(0)} ms\n`);
    if (passes(s)) best = s;
    else bad = s;
  }
  const limit = !bad ? 'not reached' : bad.lag >= MAX_LAG_MS ? `client (start lag ${bad.lag.toFixed(0)} ms at ${bad.rate}/s)` : bad.failed > 0 ? `${bad.failed} failed at ${bad.rate}/s` : `p99 ${bad.p99.toFixed(0)} ms at ${bad.rate}/s`;
  return { ...(best ? { best } : {}), limit };
}

/** wrk's closed-loop maximum, one wrk per URL at once; summed requests/s, worst p99 */
async function closedLoop(urls: string[]): Promise<{ rps: number; p99: string }> {
  const outs = await Promise.all(urls.map((u) => run(['ip', 'netns', 'exec', ns, 'wrk', '-t', '2', '-c', '32', '-d', `${stepS}s`, '--latency', u], stepS * 1000 + 30_000)));
  let rps = 0;
  const p99s: string[] = [];
  for (const o of outs) {
    rps += Number(/Requests\/sec:\s+([\d.]+)/.exec(o.out)?.[1] ?? 0);
    p99s.push(/\s99%\s+(\S+)/.exec(o.out)?.[1] ?? '?');
  }
  return { rps, p99: p99s.join(' / ') };
}

async function converge(extra: string[]): Promise<void> {
  const argv = [join(repo, 'bin', 'hapb'), 'run', join(repo, 'playbooks', 'site.yml'), '-i', labInventoryPath(name as string), '--limit', 'directors', ...extra];
  const res = await run(argv, 600_000);
  if (res.code !== 0) throw new Error(`converge failed:\n${res.out.slice(-2000)}`);
  await new Promise((d) => setTimeout(d, 8000)); // preempt delay: each VIP back on its own director
}

const vipUrls = state.vips.map((v) => `http://${v}/`);
const targets: [string, string[]][] = [
  ['one VIP', [vipUrls[0] as string]],
  ...(vipUrls.length > 1 ? ([[`all ${vipUrls.length} VIPs`, vipUrls]] as [string, string[]][]) : []),
  ['one backend, direct', [`http://${backend.address}/`]],
];
const rows: { target: string; upstream: string; best?: Step; limit: string; wrk: { rps: number; p99: string } }[] = [];
try {
  for (const upstream of keepalivePass ? ['off', 'on (32)'] : ['off']) {
    if (upstream !== 'off') await converge(['-e', 'nginx_director_upstream_keepalive=32']);
    for (const [label, urls] of targets) {
      if (upstream !== 'off' && label.startsWith('one backend')) continue; // no director in the way
      const found = await highestRate(`${label} (upstream keep-alive ${upstream})`, urls);
      const wrk = await closedLoop(urls);
      rows.push({ target: label, upstream, ...found, wrk });
      r.out(`${label}, upstream keep-alive ${upstream}: ${found.best ? `${found.best.rate}/s (p99 ${found.best.p99.toFixed(1)} ms)` : 'none'}; limit: ${found.limit}; wrk ${wrk.rps.toFixed(0)}/s p99 ${wrk.p99} (load ${load()})`);
    }
  }
} finally {
  if (keepalivePass) await converge([]);
}
r.out();
r.out(`| target | upstream keep-alive | highest rate, p99 < ${P99_MS} ms, 0 failed | p99 there | what stopped the next step | wrk closed loop req/s | wrk p99 |`);
r.out('| --- | --- | ---: | ---: | --- | ---: | ---: |');
for (const x of rows) {
  r.out(`| ${x.target} | ${x.target.startsWith('one backend') ? '-' : x.upstream} | ${x.best?.rate ?? 0} | ${x.best ? `${x.best.p99.toFixed(1)} ms` : '-'} | ${x.limit} | ${x.wrk.rps.toFixed(0)} | ${x.wrk.p99} |`);
}
const rate = (t: string, u = 'off'): number => rows.find((x) => x.target === t && (x.target.startsWith('one backend') || x.upstream === u))?.best?.rate ?? 0;
const wrk = (t: string, u = 'off'): number => rows.find((x) => x.target === t && (x.target.startsWith('one backend') || x.upstream === u))?.wrk.rps ?? 0;
const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
const all = targets.find(([l]) => l.startsWith('all'))?.[0];
r.out();
if (all) r.out(`ratios, open loop: all VIPs / one VIP ${ratio(rate(all), rate('one VIP'))}; closed loop (wrk): ${ratio(wrk(all), wrk('one VIP'))}`);
r.out(`ratios, open loop: one VIP / one backend ${ratio(rate('one VIP'), rate('one backend, direct'))}; closed loop (wrk): ${ratio(wrk('one VIP'), wrk('one backend, direct'))}`);
if (keepalivePass) r.out(`ratios, upstream keep-alive on / off through one VIP: open loop ${ratio(rate('one VIP', 'on (32)'), rate('one VIP'))}; closed loop (wrk): ${ratio(wrk('one VIP', 'on (32)'), wrk('one VIP'))}`);
r.save();
