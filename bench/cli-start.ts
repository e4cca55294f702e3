/**
 * The CPU one `hapb` start costs (`hapb --version`: load the CLI, parse, print),
 * from the bundle `bin/hapb` loads (dist/cli/main.js, scripts/bundle-cli.mjs)
 * and from the same modules as tsc wrote them (dist/cli/program.js and its
 * imports, through a temporary entry beside it). User + system CPU of each
 * child, from /proc/self/stat (cutime + cstime), and its wall time; medians of
 * N starts each, interleaved. Needs `npm run build` first.
 *   npx vite-node bench/cli-start.ts [--runs N]   (default 20)
 * Figures go to bench/results/<date>-cli-start.md (bench/results.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { results } from './results.js';

const repo = resolve(import.meta.dirname, '..');
const i = process.argv.indexOf('--runs');
const runs = i >= 0 ? Number(process.argv[i + 1]) : 20;
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs needs a whole number, got ${process.argv[i + 1]}`);
const bundle = join(repo, 'dist', 'cli', 'main.js');
const unbundled = join(repo, 'dist', 'cli', `.bench-unbundled-${process.pid}.js`);
if (!existsSync(join(repo, 'dist', 'cli', 'program.js'))) throw new Error('dist/ is missing: run `npm run build` first');

/** CPU ms (user + system) of the children this process has waited for */
function childCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10; // USER_HZ 100
}

function start(entry: string): { cpu: number; wall: number } {
  const cpu = childCpuMs();
  const t = performance.now();
  const r = spawnSync(process.execPath, [entry, '--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${entry} --version exited ${r.status}: ${r.stderr}`);
  return { cpu: childCpuMs() - cpu, wall: performance.now() - t };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const res = results(import.meta.url, 'cli-start', `CPU of one hapb start (hapb --version), bundle vs tsc's modules, ${runs} starts each`);
writeFileSync(unbundled, "import { main } from './program.js';\nprocess.exitCode = await main(process.argv);\n");
try {
  const got = { bundle: [] as { cpu: number; wall: number }[], modules: [] as { cpu: number; wall: number }[] };
  start(bundle);
  start(unbundled);
  for (let k = 0; k < runs; k++) {
    got.bundle.push(start(bundle));
    got.modules.push(start(unbundled));
  }
  res.out('entry                              CPU median  wall median');
  for (const [name, xs] of [['bundle (dist/cli/main.js)', got.bundle], ["tsc's modules (dist/cli/program.js)", got.modules]] as const) {
    res.out(`${name.padEnd(36)} ${`${median(xs.map((x) => x.cpu)).toFixed(0)} ms`.padStart(9)}  ${`${median(xs.map((x) => x.wall)).toFixed(0)} ms`.padStart(10)}`);
  }
  res.save();
} finally {
  rmSync(unbundled, { force: true });
}
