/**
 * The director failovers, repeated: each director scenario N times for each
 * profile on a real lab, then per scenario and profile the failed requests and
 * the VIP move time as min / median / max. One run is noisy (a busy box, VRRP
 * timers); the medians are what to compare.
 *
 * Root; needs the build (`npm run build`): the lab converges with this build's
 * `hapb run` and the load generator is dist/drill/loadgen/main.js.
 *
 *   npx vite-node bench/drill.ts [--runs N] [--scenarios a,b,...] [--profiles tutorial,hapb]
 *                                [--rate R] [--lab NAME]
 *
 * Without --lab it boots its own lab (`hapb lab up`) and takes it down at the
 * end; with --lab it uses that running lab and leaves it up.
 *
 * The table is printed and written to bench/results/<date>-drill.md (bench/results.ts).
 *
 * Every run starts from a freshly converged cluster (the profile applied again,
 * then one director holding the VIP for 8 s): the tutorial's check script can
 * stop keepalived for good, and one broken run must not spoil the next ones.
 * Ctrl-C takes the bench's own lab down.
 *
 * VIP move time: from the scenario's first fault (or recovery) mark to the
 * first moment one director other than the holder at that mark holds the VIP
 * alone; "never" runs are counted apart.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openLabWith } from '../src/drill/open-lab.js';
import { resolveScenarios } from '../src/drill/resolve.js';
import { runScenario } from '../src/drill/scenarios/run-scenario.js';
import { waitStableHolder } from '../src/drill/scenarios/steps.js';
import type { DrillState } from '../src/drill/scenarios/types.js';
import { describeFailures } from '../src/drill/summary.js';
import type { Profile } from '../src/drill/types.js';
import { benchLab, repo, stats, vipMoveMs } from './drill-lab.js';
import { results } from './results.js';

const directorScenarios = ['lb-nginx-killed', 'lb-recover', 'lb-poweroff', 'lb-poweron', 'lb-cut', 'keepalived-killed'];

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    scenarios: { type: 'string', default: directorScenarios.join(',') },
    profiles: { type: 'string', default: 'tutorial,hapb' },
    rate: { type: 'string', default: '200' },
    lab: { type: 'string' },
  },
});
const runs = Number(values.runs);
const rate = Number(values.rate);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a whole number ≥ 1, got ${values.runs}`);
if (!Number.isFinite(rate) || rate < 1) throw new Error(`--rate: expected a number ≥ 1, got ${values.rate}`);
const list = resolveScenarios(values.scenarios.split(',').filter((s) => s !== ''));
const profiles = values.profiles.split(',').map((p) => {
  if (p !== 'tutorial' && p !== 'hapb') throw new Error(`--profiles: unknown profile ${p}`);
  return p as Profile;
});
const own = values.lab === undefined;
const labName = values.lab ?? `b-drill-${process.pid}`;

interface Row {
  scenario: string;
  profile: Profile;
  failed: number[];
  /** of those, inside a dying director (src/drill/deaths.ts) */
  lost: number[];
  /** runs whose verdicts all passed */
  passed: number;
  moves: number[];
  never: number;
  errors: number;
}

async function main(): Promise<void> {
  const ownLab = await benchLab(labName, own);
  const started = Date.now();
  const res = results(import.meta.url, 'drill', `Drill bench: the director failovers, ${runs} run(s) per scenario and profile`);
  const rows: Row[] = [];
  try {
    const lab = await openLabWith({ loadgenPath: join(repo, 'dist', 'drill', 'loadgen', 'main.js') })(labName);
    for (const profile of profiles) {
      for (const s of list) rows.push({ scenario: s.name, profile, failed: [], lost: [], passed: 0, moves: [], never: 0, errors: 0 });
      for (let run = 1; run <= runs; run++) {
        process.stderr.write(`bench: ${profile} run ${run}/${runs}: converging\n`);
        await lab.applyProfile(profile);
        await waitStableHolder(lab);
        const state: DrillState = {};
        for (const s of list) {
          const r = await runScenario(lab, s, profile, state, { rate, timeoutMs: 5000, keepalive: 0 });
          const row = rows.find((x) => x.scenario === s.name && x.profile === profile);
          if (!row) continue;
          const move = vipMoveMs(r);
          if (r.error !== undefined) row.errors++;
          else {
            row.failed.push(r.summary.failed);
            row.lost.push(r.summary.lostWithDeath);
            if (r.pass) row.passed++;
            if (move === undefined) row.never++;
            else row.moves.push(move);
          }
          process.stderr.write(
            `bench: ${profile} run ${run}/${runs} ${s.name}: ${r.summary.failed} failed` +
              `${r.summary.failed ? ` (${describeFailures(r.summary)}; ${r.summary.lostWithDeath} inside the dying director)` : ''}, VIP move ${move === undefined ? 'none' : `${move} ms`}` +
              `${r.error !== undefined ? `, error: ${r.error}` : ''}\n`,
          );
        }
      }
    }
  } finally {
    await ownLab.down();
  }
  const header = [
    'scenario',
    'profile',
    'runs',
    'failed min / median / max',
    'of which inside the dying director',
    'runs passed',
    'VIP move min / median / max',
    'no move',
    'errors',
  ];
  const body = rows.map((r) => [
    r.scenario,
    r.profile,
    String(r.failed.length),
    stats(r.failed, String),
    stats(r.lost, String),
    `${r.passed}/${r.failed.length}`,
    stats(r.moves, (n) => `${Math.round(n)} ms`),
    String(r.never),
    String(r.errors),
  ]);
  res.out(`drill bench: ${runs} run(s) per scenario and profile, ${rate} req/s, a new connection per request, ${Math.round((Date.now() - started) / 1000)} s`);
  res.out(`| ${header.join(' | ')} |`);
  res.out(`| ${header.map(() => '---').join(' | ')} |`);
  for (const b of body) res.out(`| ${b.join(' | ')} |`);
  res.save();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
