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
 *                                   [--scenarios a,b,...] [--lab NAME] [--from RUNS.jsonl ...]
 *
 * Without --lab it boots its own lab (`hapb lab up`) and takes it down at the
 * end; with --lab it uses that running lab (converged once with profile hapb
 * first) and leaves it up. Between scenarios the cluster is brought back to
 * its healthy converged state (src/drill/healthy.ts), as `hapb drill` does.
 * The table is printed and written to bench/results/<date>-lossless.md
 * (bench/results.ts, with the commit, the cores and the load average).
 * Every scenario run is also appended, as it ends, to
 * bench/results/<date>-lossless-runs.jsonl: an interrupted bench keeps what
 * it measured, and 20 runs × 3 rates × 2 modes (about 9 hours) can be made
 * in parts: `--from` adds the runs of earlier logs to the table
 * (`--runs 0 --from A --from B` only builds the table). The table names every
 * commit its runs were made on. Each run goes through every rate and mode
 * before the next begins, so a bench stopped part-way is still balanced.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureHealthy } from '../src/drill/healthy.js';
import { openLabWith } from '../src/drill/open-lab.js';
import { resolveScenarios } from '../src/drill/resolve.js';
import { runScenario } from '../src/drill/scenarios/run-scenario.js';
import { waitStableHolder } from '../src/drill/scenarios/steps.js';
import type { DrillState } from '../src/drill/scenarios/types.js';
import { formatMs } from '../src/drill/summary.js';
import { benchLab, repo, singleMachine, stats, vipMoveMs } from './drill-lab.js';
import { directorScenarios, fullTable, handBacks, type Mode, ms, type RunLine, summaryTable } from './lossless-table.js';
import { results } from './results.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    from: { type: 'string', multiple: true, default: [] },
    rates: { type: 'string', default: '200,800,2000' },
    modes: { type: 'string', default: 'fresh,keepalive' },
    scenarios: { type: 'string', default: singleMachine.join(',') },
    lab: { type: 'string' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 0) throw new Error(`--runs: expected a whole number (0: only the table of --from), got ${values.runs}`);
const from = values.from;
const rates = values.rates.split(',').map((r) => {
  const n = Number(r);
  if (!Number.isFinite(n) || n < 1) throw new Error(`--rates: expected numbers ≥ 1, got ${r}`);
  return n;
});
const modes = values.modes.split(',').map((m) => {
  if (m !== 'fresh' && m !== 'keepalive') throw new Error(`--modes: fresh or keepalive, got ${m}`);
  return m as Mode;
});
const list = resolveScenarios(values.scenarios.split(',').filter((s) => s !== ''));
const own = values.lab === undefined;
const labName = values.lab ?? `b-lossless-${process.pid}`;

function readLines(files: string[]): RunLine[] {
  const out: RunLine[] = [];
  for (const f of files) {
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((l, i) => {
        if (l.trim() === '') return;
        try {
          out.push(JSON.parse(l) as RunLine);
        } catch (err) {
          throw new Error(`${f}:${i + 1}: not a JSON line of this bench (${err instanceof Error ? err.message : String(err)})`);
        }
      });
  }
  return out;
}

/** set on Ctrl-C (or SIGTERM): no further scenario starts or is logged while the lab goes down */
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => (interrupted = true));

async function runAll(log: (line: RunLine) => void, commit: string): Promise<void> {
  const ownLab = await benchLab(labName, own);
  try {
    const lab = await openLabWith({ loadgenPath: join(repo, 'dist', 'drill', 'loadgen', 'main.js') })(labName);
    process.stderr.write('bench: converging profile hapb\n');
    await lab.applyProfile('hapb');
    await waitStableHolder(lab);
    const state: DrillState = {};
    // run outermost: a bench stopped part-way leaves every cell with the same
    // number of runs, give or take one
    for (let run = 1; run <= runs; run++) {
      for (const rate of rates) {
        for (const mode of modes) {
          for (const s of list) {
            if (interrupted) return;
            const base = { scenario: s.name, rate, mode, run, commit };
            try {
              await ensureHealthy(lab, 'hapb', state);
            } catch (err) {
              if (interrupted) return;
              const error = `the cluster is not healthy: ${err instanceof Error ? err.message : String(err)}`;
              process.stderr.write(`bench: ${s.name} ${rate}/s ${mode} run ${run}: ${error}\n`);
              log({ ...base, at: new Date().toISOString(), error });
              continue;
            }
            const r = await runScenario(lab, s, 'hapb', state, { rate, timeoutMs: 5000, keepalive: mode === 'keepalive' ? 4 : 0 });
            const move = vipMoveMs(r);
            const line: RunLine =
              r.error !== undefined
                ? { ...base, at: new Date().toISOString(), error: r.error }
                : {
                    ...base,
                    at: new Date().toISOString(),
                    failed: r.summary.failed,
                    lost: r.summary.lostWithDeath,
                    over250: r.summary.over250ms,
                    synRetx: r.summary.synRetransmitDelayed,
                    slowest: r.summary.max,
                    startLag: r.summary.maxStartLag,
                    ...(move !== undefined ? (directorScenarios.has(s.name) ? { move } : { strayMove: move }) : {}),
                    unmarked: r.records
                      .filter((x) => x.kind !== 'ok' && x.lostWith === undefined)
                      .map((x) => ({
                        seq: x.seq,
                        kind: x.kind,
                        ...(x.code !== undefined ? { code: x.code } : {}),
                        ...(x.status !== undefined ? { status: x.status } : {}),
                        started: x.started,
                        latency: x.latency,
                        ...(x.connected !== undefined ? { connected: x.connected } : {}),
                      })),
                  };
            if (interrupted) return; // cut short by the lab going down: not a measurement
            log(line);
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
}

async function main(): Promise<void> {
  const started = Date.now();
  const earlier = readLines(from);
  const res = results(import.meta.url, 'lossless', `Lossless bench (issue 17), profile hapb`);
  const logFile = `${res.stem}-runs.jsonl`;
  const mine: RunLine[] = [];
  if (runs > 0) {
    mkdirSync(dirname(logFile), { recursive: true });
    process.stderr.write(`bench: every run is logged to ${relative(repo, logFile)} (give it to --from to add more runs later)\n`);
    await runAll((line) => {
      mine.push(line);
      appendFileSync(logFile, `${JSON.stringify(line)}\n`);
    }, res.commit);
  }
  const all = [...earlier, ...mine];
  if (all.length === 0) throw new Error('no runs: give --runs ≥ 1, or --from with run logs of this bench');
  const commits = [...new Set(all.map((l) => l.commit))];
  const perCell = new Set(all.map((l) => `${l.scenario}/${l.rate}/${l.mode}`)).size;
  res.out(
    `lossless bench: ${all.length} scenario runs (${perCell} scenario/rate/mode cells), profile hapb; fresh: a new connection per request; keepalive: 4 connections, browser-like retry; ` +
      `this invocation ${Math.round((Date.now() - started) / 1000)} s; commits: ${commits.join(', ')}` +
      (from.length ? `; runs read from ${from.map((f) => relative(repo, resolve(f))).join(', ')}` : '') +
      (runs > 0 ? `; runs logged to ${relative(repo, logFile)}` : ''),
  );
  res.out('');
  res.out(
    'Summary, the README\'s table (targets of issue 17: 0 failed requests outside a dying director in every run; ' +
      'slowest under 250 ms for a backend fault; the VIP moved in 100 ms or less after a director failed):',
  );
  res.out('');
  for (const l of summaryTable(all)) res.out(l);
  res.out('');
  res.out('Every scenario, rate and mode:');
  res.out('');
  for (const l of fullTable(all)) res.out(l);
  res.out('');
  res.out('VIP move per rate after a director failed (both modes; the hand-backs of lb-recover and lb-poweron left out): min / median / max');
  for (const rate of [...new Set(all.map((l) => l.rate))]) {
    const moves = all
      .filter((l) => l.rate === rate && l.error === undefined && !handBacks.has(l.scenario))
      .flatMap((l) => (l.move === undefined ? [] : [l.move]));
    res.out(`- ${rate} req/s: ${stats(moves, ms)} (${moves.length} moves)`);
  }
  const failures = all.filter((l) => (l.unmarked ?? []).length > 0);
  if (failures.length) {
    res.out('');
    res.out('Failed requests outside a dying director (run: kind code, started ms, latency ms):');
    for (const l of failures) {
      const unmarked = l.unmarked ?? [];
      const u = unmarked
        .slice(0, 5)
        .map((x) => `${x.kind} ${x.code ?? x.status ?? ''} @${x.started} +${x.latency}`)
        .join('; ');
      const more = unmarked.length > 5 ? `; ... ${unmarked.length - 5} more` : '';
      const lag = l.startLag !== undefined ? `; client start lag ${formatMs(l.startLag)}` : '';
      const stray = l.strayMove !== undefined ? `; the VIP moved ${ms(l.strayMove)} after the fault, no director failing` : '';
      res.out(`- ${l.scenario} ${l.rate}/s ${l.mode} run ${l.run} (${l.commit}): ${unmarked.length}: ${u}${more}${lag}${stray}`);
    }
  }
  res.save();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
