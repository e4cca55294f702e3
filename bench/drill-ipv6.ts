/**
 * IPv4 and IPv6 side by side (issue 14): on one dual-stack lab (`hapb lab up
 * --ipv6`), every single-machine scenario N times with the load to the IPv4
 * VIP and, right after, to the IPv6 VIP (`hapb drill --ipv6`), profile hapb,
 * a new connection per request. Per scenario and family: failed requests (and
 * of those, inside a dying director), requests that waited for a SYN
 * retransmit, the slowest request, the VIP move (min / median / max), the
 * client's largest start lag (the load generator itself late: a busy box), and
 * the load average when the scenario ran.
 *
 * Root; needs the build (`npm run build`).
 *
 *   npx vite-node bench/drill-ipv6.ts [--runs 1] [--rate 200] [--scenarios a,b,...] [--lab NAME]
 *
 * Without --lab it boots its own lab (`hapb lab up --ipv6`) and takes it down
 * at the end; with --lab it uses that running lab (made with --ipv6). The
 * table is printed and written to bench/results/<date>-drill-ipv6.md
 * (bench/results.ts, with the commit, the cores and the load average).
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ensureHealthy } from '../src/drill/healthy.js';
import { overIpv6 } from '../src/drill/ipv6.js';
import { openLabWith } from '../src/drill/open-lab.js';
import { resolveScenarios } from '../src/drill/resolve.js';
import { runScenario } from '../src/drill/scenarios/run-scenario.js';
import { waitStableHolder } from '../src/drill/scenarios/steps.js';
import type { DrillState } from '../src/drill/scenarios/types.js';
import { formatMs } from '../src/drill/summary.js';
import { readState } from '../src/lab/state.js';
import { benchLab, repo, singleMachine, stats, vipMoveMs } from './drill-lab.js';
import { results } from './results.js';


const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    rate: { type: 'string', default: '200' },
    scenarios: { type: 'string', default: singleMachine.join(',') },
    lab: { type: 'string' },
  },
});
const runs = Number(values.runs);
const rate = Number(values.rate);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a whole number ≥ 1, got ${values.runs}`);
if (!Number.isFinite(rate) || rate < 1) throw new Error(`--rate: expected a number ≥ 1, got ${values.rate}`);
const list = resolveScenarios(values.scenarios.split(',').filter((s) => s !== ''));
const own = values.lab === undefined;
const labName = values.lab ?? `b-ipv6-${process.pid}`;
type Family = 'IPv4' | 'IPv6';

interface Cell {
  scenario: string;
  family: Family;
  failed: number[];
  lost: number[];
  synRetx: number[];
  slowest: number[];
  startLag: number[];
  moves: number[];
  load: number[];
  errors: number;
}

const ms = (n: number): string => `${Math.round(n)} ms`;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const ownLab = await benchLab(labName, own, ['--ipv6']);
  const started = Date.now();
  const res = results(import.meta.url, 'drill-ipv6', `IPv4 and IPv6 side by side: ${runs} run(s) per scenario and family at ${rate} req/s, profile hapb`);
  const cells: Cell[] = [];
  const cellOf = (scenario: string, family: Family): Cell => {
    let c = cells.find((x) => x.scenario === scenario && x.family === family);
    if (!c) {
      c = { scenario, family, failed: [], lost: [], synRetx: [], slowest: [], startLag: [], moves: [], load: [], errors: 0 };
      cells.push(c);
    }
    return c;
  };
  try {
    const lab4 = await openLabWith({ loadgenPath: join(repo, 'dist', 'drill', 'loadgen', 'main.js') })(labName);
    const lab6 = overIpv6(lab4, readState(labName)?.vips6);
    process.stderr.write('bench: converging profile hapb\n');
    await lab4.applyProfile('hapb');
    await waitStableHolder(lab4);
    const state: DrillState = {};
    for (let run = 1; run <= runs; run++) {
      for (const s of list) {
        for (const [family, lab] of [['IPv4', lab4], ['IPv6', lab6]] as const) {
          const c = cellOf(s.name, family);
          try {
            await ensureHealthy(lab, 'hapb', state);
          } catch (err) {
            c.errors++;
            process.stderr.write(`bench: ${s.name} ${family} run ${run}: the cluster is not healthy: ${err instanceof Error ? err.message : String(err)}\n`);
            continue;
          }
          const r = await runScenario(lab, s, 'hapb', state, { rate, timeoutMs: 5000, keepalive: 0 });
          const load = loadavg()[0] ?? 0;
          const move = vipMoveMs(r);
          if (r.error !== undefined) c.errors++;
          else {
            c.failed.push(r.summary.failed);
            c.lost.push(r.summary.lostWithDeath);
            c.synRetx.push(r.summary.synRetransmitDelayed);
            c.slowest.push(r.summary.max);
            c.startLag.push(r.summary.maxStartLag);
            c.load.push(load);
            if (move !== undefined) c.moves.push(move);
          }
          process.stderr.write(
            `bench: ${s.name} ${family} run ${run}/${runs}: ${r.summary.failed} failed (${r.summary.lostWithDeath} inside a dying director), ` +
              `${r.summary.synRetransmitDelayed} SYN retx, slowest ${formatMs(r.summary.max)}, start lag ${formatMs(r.summary.maxStartLag)}, ` +
              `VIP move ${move === undefined ? '-' : ms(move)}, load ${load.toFixed(2)}${r.error !== undefined ? `, error: ${r.error}` : ''}\n`,
          );
        }
      }
    }
  } finally {
    await ownLab.down();
  }
  const header = ['scenario', 'family', 'runs', 'failed (total)', 'of which inside a dying director', 'waited for a SYN retransmit', 'slowest (worst run)', 'client start lag (worst run)', 'VIP move min / median / max', 'load average (1 min) after each run', 'errors'];
  res.out(`drill-ipv6 bench: ${runs} run(s) per scenario and family, ${rate} req/s, a new connection per request, profile hapb; ${Math.round((Date.now() - started) / 1000)} s`);
  res.out(`| ${header.join(' | ')} |`);
  res.out(`| ${header.map(() => '---').join(' | ')} |`);
  for (const c of cells) {
    res.out(
      `| ${[
        c.scenario,
        c.family,
        String(c.failed.length),
        String(sum(c.failed)),
        String(sum(c.lost)),
        String(sum(c.synRetx)),
        c.slowest.length ? formatMs(Math.max(...c.slowest)) : '-',
        c.startLag.length ? formatMs(Math.max(...c.startLag)) : '-',
        stats(c.moves, ms),
        c.load.map((l) => l.toFixed(1)).join(', ') || '-',
        String(c.errors),
      ].join(' | ')} |`,
    );
  }
  res.save();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
