/**
 * The drill through the built CLI, as a user runs it: `hapb lab up`, `hapb
 * drill ... -o json`, `hapb lab down`, each a child process (bin/hapb → dist/).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DrillReport, RequestRecord, ScenarioResult, TimelineEvent } from '../../src/drill/types.js';
import { expect } from 'vitest';
import { tallyDeaths } from '../../src/drill/deaths.js';
import { repoRoot } from './cli.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** runs `hapb ARGS` without blocking the test process; kills it after `timeoutMs` */
export function hapbAsync(args: string[], timeoutMs: number): Promise<Run> {
  if (!existsSync(join(repoRoot, 'dist', 'cli', 'main.js'))) {
    return Promise.reject(new Error('dist/ is missing: run `npm run build` (scripts/test.sh does) before the drill tests'));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'hapb'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** the drill's `-o json` output, or an error carrying the tail of stderr */
export function parseReport(run: Run): DrillReport {
  try {
    return JSON.parse(run.stdout) as DrillReport;
  } catch {
    throw new Error(`hapb drill exited ${run.code} without a JSON report; stderr:\n${run.stderr.slice(-3000)}`);
  }
}

/** a lab up, or an error with the tail of its output */
export async function labUpOrThrow(name: string, extra: string[] = []): Promise<void> {
  await hapbAsync(['lab', 'down', '--name', name], 120_000);
  const up = await hapbAsync(['lab', 'up', '--name', name, ...extra], 600_000);
  if (up.code !== 0) throw new Error(`hapb lab up --name ${name} exited ${up.code}:\n${up.stderr.slice(-3000)}`);
}

export async function labDownQuietly(name: string): Promise<void> {
  await hapbAsync(['lab', 'down', '--name', name], 120_000);
}

/**
 * What a failed "0 failed requests" assertion needs to be understood: the
 * failed requests not marked as inside a dying director (with the client's
 * stamps), the deaths, and the VIP's moves.
 */
export function unmarked(r: Pick<ScenarioResult, 'records'> & { deaths?: unknown; events?: TimelineEvent[] }, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ...extra,
    failed: r.records
      .filter((x: RequestRecord) => x.kind !== 'ok' && x.lostWith === undefined)
      .slice(0, 20)
      .map(({ seq, kind, code, status, started, latency, sent, connected }) => ({ seq, kind, code, status, started, latency, sent, connected })),
    deaths: r.deaths,
    vip: (r.events ?? []).filter((e) => e.kind === 'vip').map((e) => `${e.t} ${(e.holders ?? []).join('+') || 'none'}`),
  });
}

/**
 * Every request set apart with a death was inside the director at one
 * instant of it (src/drill/deaths.ts, tallyDeaths): how many that is follows
 * from how long requests stay in a director, not from a constant. A hang
 * lets requests in until the VIP moves; it is bounded elsewhere.
 */
export function expectInsideAtOneInstant(r: ScenarioResult): void {
  const tallies = tallyDeaths(r.records, r.events, r.deaths);
  expect(tallies.reduce((n, x) => n + x.lost.length, 0)).toBe(r.summary.lostWithDeath);
  for (const x of tallies) {
    const spans = x.lost.map((q) => `#${q.seq} ${q.started.toFixed(1)}+${q.latency.toFixed(1)}`).join(', ');
    if (x.lost.length > 0 && x.death.untilVipTaken !== true) expect(x.together, `${r.scenario}: ${x.death.what} at ${x.death.from}-${x.death.t}: ${spans}`).toBeDefined();
  }
  // the drill judges the same (absent when nothing but a hang died)
  const verdict = r.verdicts.find((v) => v.id === 'lost-with-death-at-one-instant');
  expect(verdict?.pass ?? r.deaths.every((d) => d.untilVipTaken === true)).toBe(true);
}
