/**
 * The 30-minute soak (issue 15): `hapb drill soak` on a real lab, profile
 * hapb, 200 req/s, random single-machine faults from the whole catalog one at
 * a time (seeded: the same seed replays the same plan), and its figures:
 * faults, requests, failed requests outside a dying director, time with two
 * VIP holders (total and longest stretch), time with none, latency.
 *
 * Root; needs the build (`npm run build`).
 *
 *   npx vite-node bench/drill-soak.ts [--duration 30m] [--seed 15] [--keepalive] [--lab NAME]
 *
 * Without --lab it boots its own lab (`hapb lab up --name bsoak-<pid>`) and
 * takes it down at the end; with --lab it uses that running lab. The report
 * (report.md, report.json, soak.svg) goes to out/bench-drill-soak-<seed>/;
 * the figures to bench/results/<date>-drill-soak.md (bench/results.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SoakReport } from '../src/drill/soak/run-soak.js';
import { formatMs } from '../src/drill/summary.js';
import { results } from './results.js';

const repo = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '30m' },
    seed: { type: 'string', default: '15' },
    keepalive: { type: 'boolean', default: false },
    lab: { type: 'string' },
  },
});

function hapb(args: string[], inherit = false): Promise<{ code: number; stdout: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(repo, 'bin', 'hapb'), ...args], { cwd: repo, stdio: ['ignore', 'pipe', inherit ? 'inherit' : 'ignore'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code: code ?? 1, stdout: out }));
  });
}

async function main(): Promise<void> {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  const lab = values.lab ?? `bsoak-${process.pid}`;
  const own = values.lab === undefined;
  const mode = values.keepalive ? '4 keep-alive connections' : 'a new connection per request';
  const res = results(import.meta.url, 'drill-soak', `Soak: ${values.duration} of random faults under 200 req/s (${mode}), seed ${values.seed}, profile hapb`);
  const stop = (): void => {
    if (own) void hapb(['lab', 'down', '--name', lab]).finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  try {
    if (own) {
      const up = await hapb(['lab', 'up', '--name', lab], true);
      if (up.code !== 0) throw new Error(`hapb lab up exited ${up.code}`);
    }
    const dir = join('out', `bench-drill-soak-${values.seed}${values.keepalive ? '-keepalive' : ''}`);
    const args = ['drill', 'soak', '--name', lab, '--duration', values.duration, '--seed', values.seed, '--report', dir, '-o', 'json', ...(values.keepalive ? ['--keepalive'] : [])];
    const run = await hapb(args, true);
    const r = JSON.parse(readFileSync(join(repo, dir, 'report.json'), 'utf8')) as SoakReport;
    const s = r.summary;
    res.out(`| figure | value | target |`);
    res.out(`| --- | --- | --- |`);
    res.out(`| faults made (planned) | ${r.faults.length} (${r.plan.length}) | |`);
    res.out(`| requests | ${s.total} | |`);
    res.out(`| failed | ${s.failed} | |`);
    res.out(`| failed outside a dying director | ${r.failedOutside} | 0 |`);
    res.out(`| timeouts held up by TCP on a lossy link (reported apart) | ${r.lossyTcpTimeouts ?? 0} | |`);
    res.out(`| time with two VIP holders: total, longest | ${(r.twoHoldersMs / 1000).toFixed(2)} s, ${((r.longestTwoHoldersMs ?? 0) / 1000).toFixed(2)} s | no second |`);
    res.out(`| time with no VIP holder | ${(r.noHolderMs / 1000).toFixed(2)} s | |`);
    res.out(`| latency p50 / p99 / max | ${formatMs(s.p50)} / ${formatMs(s.p99)} / ${formatMs(s.max)} | |`);
    res.out(`| client start lag (max) | ${formatMs(s.maxStartLag)} | |`);
    res.out(`| verdict (exit ${run.code}) | ${r.pass ? 'PASS' : 'FAIL'} | |`);
    res.out('');
    res.out(`| # | fault | held | requests | failed | slowest |`);
    res.out(`| --- | --- | --- | --- | --- | --- |`);
    for (const f of r.faults) res.out(`| ${f.n} | ${f.label} | ${((f.undoneT - f.t) / 1000).toFixed(1)} s | ${f.requests} | ${f.failed}${f.lostWithDeath ? ` (${f.lostWithDeath} in dying director)` : ''} | ${formatMs(f.slowestMs)} |`);
    res.out('');
    res.out(`Report: ${dir}/report.md (whole-soak timeline: ${dir}/soak.svg)`);
    res.save();
  } finally {
    if (own) await hapb(['lab', 'down', '--name', lab]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
