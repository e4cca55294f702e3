/**
 * How fast can the load generator go before its own starts slip? Runs it in a
 * sealed namespace pair against real nginx at increasing rates and prints, per
 * rate and connection mode: requests, failures, achieved rate, the largest
 * start lag (actual minus scheduled start) and latency percentiles.
 * Root only.  npx vite-node bench/drill-loadgen.ts [seconds]
 * Figures also go to bench/results/<date>-drill-loadgen.md (bench/results.ts).
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnLoad } from '../src/drill/load-process.js';
import { summarize } from '../src/drill/summary.js';
import { buildLoadgen, Testbed } from '../src/drill/testbed.js';
import { results } from './results.js';

const seconds = Number(process.argv[2] ?? 3);
const repo = resolve(import.meta.dirname, '..');
const tag = `hapb-b-drill-${process.pid}`;
const outDir = join(repo, 'out', tag);
const bed = new Testbed(tag);
const res = results(import.meta.url, 'drill-loadgen', `Load generator: rate vs start lag and latency (${seconds} s per row, real nginx in a sealed namespace pair)`);

async function main(): Promise<void> {
  const loadgenPath = buildLoadgen(repo, outDir);
  await bed.create();
  await bed.startNginx();
  res.out('mode        rate  requests  failed  achieved/s  max start lag  p50      p99      max');
  for (const keepalive of [0, 4]) {
    for (const rate of [100, 200, 500, 1000]) {
      const handle = spawnLoad(
        { url: bed.url, rate, timeoutMs: 5000, durationMs: seconds * 1000, keepalive },
        { prefix: bed.clientPrefix, loadgenPath },
      );
      const records = await handle.done;
      const s = summarize(records);
      const span = Math.max(...records.map((r) => r.started)) / 1000;
      res.out(
        [
          (keepalive ? `keepalive ${keepalive}` : 'fresh').padEnd(11),
          String(rate).padStart(5),
          String(s.total).padStart(9),
          String(s.failed).padStart(7),
          (s.total / Math.max(span, 0.001)).toFixed(0).padStart(11),
          `${s.maxStartLag.toFixed(1)} ms`.padStart(14),
          `${s.p50.toFixed(2)} ms`.padStart(8),
          `${s.p99.toFixed(2)} ms`.padStart(8),
          `${s.max.toFixed(2)} ms`.padStart(8),
        ].join(' '),
      );
    }
  }
  res.save();
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await bed.destroy();
    rmSync(outDir, { recursive: true, force: true });
  });
