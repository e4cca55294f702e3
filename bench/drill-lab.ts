/**
 * What the drill benches (drill.ts, lossless.ts) share: the built CLI, a lab
 * of their own (booted fresh, taken down at the end and on Ctrl-C), the VIP
 * move time of a scenario, and min / median / max columns.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { holdersAt } from '../src/drill/assertions.js';
import type { ScenarioResult } from '../src/drill/types.js';

export const repo = resolve(import.meta.dirname, '..');

/** every scenario where one machine dies or comes back (not the partition, not the converge) */
export const singleMachine: readonly string[] = [
  'baseline',
  'lb-nginx-killed',
  'lb-recover',
  'backend-stopped',
  'backend-started',
  'lb-poweroff',
  'lb-poweron',
  'backend-poweroff',
  'lb-cut',
  'backend-cut',
  'keepalived-killed',
];

/** run the built CLI (stderr shown, stdout dropped); resolves to its exit code */
export function hapb(args: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(repo, 'bin', 'hapb'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', rej);
    child.on('close', (code) => res(code ?? -1));
  });
}

/**
 * the bench's lab: with `own`, a fresh lab `name` is booted (after taking a
 * stale one down) and taken down by `down()` and on SIGINT/SIGTERM; without,
 * the running lab `name` is used as it is; `upArgs` go to `hapb lab up` (e.g. --ipv6)
 */
export async function benchLab(name: string, own: boolean, upArgs: string[] = []): Promise<{ down: () => Promise<void> }> {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  if (!own) return { down: async () => undefined };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`bench: ${sig}: taking lab ${name} down\n`);
      void hapb(['lab', 'down', '--name', name]).finally(() => process.exit(130));
    });
  }
  await hapb(['lab', 'down', '--name', name]);
  const rc = await hapb(['lab', 'up', '--name', name, ...upArgs]);
  if (rc !== 0) throw new Error(`hapb lab up --name ${name} exited ${rc}`);
  return { down: async () => void (await hapb(['lab', 'down', '--name', name])) };
}

/** ms from the first fault/recover mark until a single other director holds the VIP; undefined: never */
export function vipMoveMs(r: ScenarioResult): number | undefined {
  const mark = r.events.find((e) => e.kind === 'fault' || e.kind === 'recover');
  if (!mark) return undefined;
  const before = holdersAt(r.events, mark.t);
  for (const e of r.events) {
    if (e.kind !== 'vip' || e.t < mark.t) continue;
    const h = e.holders ?? [];
    const first = h[0];
    if (h.length === 1 && first !== undefined && !before.includes(first)) return e.t - mark.t;
  }
  return undefined;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** "min / median / max", or "-" with no figures */
export function stats(xs: number[], fmt: (n: number) => string): string {
  if (xs.length === 0) return '-';
  return `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))}`;
}
