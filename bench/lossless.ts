/**
 * Lossless at any rate (issue 17): every single-machine scenario N times at
 * each rate, with a new connection per request and with keep-alive
 * connections, on profile hapb. Per scenario, rate and mode: failed requests
 * (and of those, inside a dying director), requests slower than 250 ms,
 * requests that waited for a SYN retransmit, the slowest request, the VIP move
 * (min / median / max), and the client's largest start lag, which says when
 * the load generator itself was the bottleneck (then its latencies are its
 * own, not the cluster's). Per rate: the VIP move over every director
 * scenario.
 *
 * Root; needs the build (`npm run build`).
 *
 *   npx vite-node bench/lossless.ts [--runs 20] [--rates 200,800,2000] [--modes fresh,keepalive]
 *                                   [--scenarios a,b,...] [--lab NAME]
 *
 * Without --lab it boots its own lab (`hapb lab up`) and takes it down at the
 * end; with --lab it uses that running lab (converged once with profile hapb
 * first) and leaves it up. Between scenarios the cluster is brought back to
 * its healthy converged state (src/drill/healthy.ts), as `hapb drill` does.
 * The table is printed and written to bench/results/<date>-lossless.md
 * (bench/results.ts, with the commit, the cores and the load average).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureHealthy } from '../src/drill/healthy.js';
import { openLabWith } from '../src/drill/open-lab.js';
import { resolveScenarios } from '../src/drill/resolve.js';
import { runScenario } from '../src/drill/scenarios/run-scenario.js';
import { waitStableHolder } from '../src/drill/scenarios/steps.js';
import type { DrillState } from '../src/drill/scenarios/types.js';
import { formatMs } from '../src/drill/summary.js';
import { benchLab, repo, singleMachine, stats, vipMoveMs } from './drill-lab.js';
import { results } from './results.js';

const directorScenarios = new Set(['lb-nginx-killed', 'lb-recover', 'lb-poweroff', 'lb-poweron', 'lb-cut', 'keepalived-killed']);

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    rates: { type: 'string', default: '200,800,2000' },
    modes: { type: 'string', default: 'fresh,keepalive' },
    scenarios: { type: 'string', default: singleMachine.join(',') },
    lab: { type: 'string' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a whole number ≥ 1, got ${values.runs}`);
const rates = values.rates.split(',').map((r) => {
  const n = Number(r);
  if (!Number.isFinite(n) || n < 1) throw new Error(`--rates: expected numbers ≥ 1, got ${r}`);
  return n;
});
type Mode = 'fresh' | 'keepalive';
const modes = values.modes.split(',').map((m) => {
  if (m !== 'fresh' && m !== 'keepalive') throw new Error(`--modes: fresh or keepalive, got ${m}`);
  return m as Mode;
});
const list = resolveScenarios(values.scenarios.split(',').filter((s) => s !== ''));
const own = values.lab === undefined;
const labName = values.lab ?? `b-lossless-${process.pid}`;

const ms = (n: number): string => `${Math.round(n)} ms`;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

interface Cell {
  scenario: string;
  rate: number;
  mode: Mode;
  failed: number[];
  lost: number[];
  over250: number[];
  synRetx: number[];
  slowest: number[];
  startLag: number[];
  moves: number[];
  errors: number;
}

async function main(): Promise<void> {
  const ownLab = await benchLab(labName, own);
  const started = Date.now();
  const res = results(import.meta.url, 'lossless', `Lossless bench (issue 17): ${runs} run(s) per scenario, rate and mode, profile hapb`);
  const cells: Cell[] = [];
  const cellOf = (scenario: string, rate: number, mode: Mode): Cell => {
    let c = cells.find((x) => x.scenario === scenario && x.rate === rate && x.mode === mode);
    if (!c) {
      c = { scenario, rate, mode, failed: [], lost: [], over250: [], synRetx: [], slowest: [], startLag: [], moves: [], errors: 0 };
      cells.push(c);
    }
    return c;
  };
  try {
    const lab = await openLabWith({ loadgenPath: join(repo, 'dist', 'drill', 'loadgen', 'main.js') })(labName);
    process.stderr.write('bench: converging profile hapb\n');
    await lab.applyProfile('hapb');
    await waitStableHolder(lab);
    const state: DrillState = {};
    for (const rate of rates) {
      for (const mode of modes) {
        for (let run = 1; run <= runs; run++) {
          for (const s of list) {
            const c = cellOf(s.name, rate, mode);
            try {
              await ensureHealthy(lab, 'hapb', state);
            } catch (err) {
              c.errors++;
              process.stderr.write(`bench: ${s.name} ${rate}/s ${mode} run ${run}: the cluster is not healthy: ${err instanceof Error ? err.message : String(err)}\n`);
              continue;
            }
            const r = await runScenario(lab, s, 'hapb', state, { rate, timeoutMs: 5000, keepalive: mode === 'keepalive' ? 4 : 0 });
            const move = vipMoveMs(r);
            if (r.error !== undefined) c.errors++;
            else {
              c.failed.push(r.summary.failed);
              c.lost.push(r.summary.lostWithDeath);
              c.over250.push(r.summary.over250ms);
              c.synRetx.push(r.summary.synRetransmitDelayed);
              c.slowest.push(r.summary.max);
              c.startLag.push(r.summary.maxStartLag);
              if (move !== undefined && directorScenarios.has(s.name)) c.moves.push(move);
            }
            process.stderr.write(
              `bench: ${s.name} ${rate}/s ${mode} run ${run}/${runs}: ${r.summary.failed} failed (${r.summary.lostWithDeath} inside a dying director), ` +
                `${r.summary.over250ms} over 250 ms, ${r.summary.synRetransmitDelayed} SYN retx, slowest ${formatMs(r.summary.max)}, ` +
                `start lag ${formatMs(r.summary.maxStartLag)}, VIP move ${move === undefined ? '-' : ms(move)}${r.error !== undefined ? `, error: ${r.error}` : ''}\n`,
            );
          }
        }
      }
    }
  } finally {
    await ownLab.down();
  }
  const header = [
    'scenario',
    'req/s',
    'mode',
    'runs',
    'failed (total; min / median / max)',
    'of which inside a dying director',
    'over 250 ms (min / median / max)',
    'waited for a SYN retransmit (total)',
    'slowest (worst run)',
    'client start lag (worst run)',
    'VIP move min / median / max',
    'errors',
  ];
  res.out(
    `lossless bench: ${runs} run(s) per scenario, rate and mode, profile hapb; fresh: a new connection per request; keepalive: 4 connections, browser-like retry; ${Math.round((Date.now() - started) / 1000)} s`,
  );
  res.out(`| ${header.join(' | ')} |`);
  res.out(`| ${header.map(() => '---').join(' | ')} |`);
  for (const c of cells) {
    res.out(
      `| ${[
        c.scenario,
        String(c.rate),
        c.mode,
        String(c.failed.length),
        `${sum(c.failed)}; ${stats(c.failed, String)}`,
        String(sum(c.lost)),
        stats(c.over250, String),
        String(sum(c.synRetx)),
        c.slowest.length ? formatMs(Math.max(...c.slowest)) : '-',
        c.startLag.length ? formatMs(Math.max(...c.startLag)) : '-',
        stats(c.moves, ms),
        String(c.errors),
      ].join(' | ')} |`,
    );
  }
  res.out('');
  res.out('VIP move per rate (every director scenario, both modes): min / median / max');
  for (const rate of rates) {
    const moves = cells.filter((c) => c.rate === rate).flatMap((c) => c.moves);
    res.out(`- ${rate} req/s: ${stats(moves, ms)} (${moves.length} moves)`);
  }
  res.save();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
