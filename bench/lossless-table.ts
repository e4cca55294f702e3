/**
 * The lossless bench's tables (bench/lossless.ts), from its run log: the full
 * table (one row per scenario, rate and mode) and the summary (one row per
 * scenario, the targets judged), which is the README's table. Pure: a
 * unit test feeds it run lines (test/unit/bench-lossless-table.test.ts).
 */
import { formatMs } from '../src/drill/summary.js';
import { median, stats } from './drill-lab.js';

export type Mode = 'fresh' | 'keepalive';

/** one run of one scenario, as logged (one JSON line each) and as read back by --from */
export interface RunLine {
  scenario: string;
  rate: number;
  mode: Mode;
  run: number;
  commit: string;
  /** ISO time the run ended */
  at: string;
  /** the cluster could not be made healthy, or the scenario could not run */
  error?: string;
  failed?: number;
  lost?: number;
  over250?: number;
  synRetx?: number;
  slowest?: number;
  startLag?: number;
  /** director scenarios only: ms from the fault (or recovery) to a new single holder */
  move?: number;
  /** any other scenario: the VIP moved although no director failed (ms after the fault) */
  strayMove?: number;
  /** the failed requests not inside a dying director: what to look at first */
  unmarked?: { seq: number; kind: string; code?: string; status?: number; started: number; latency: number; connected?: number }[];
}

export const directorScenarios: ReadonlySet<string> = new Set(['lb-nginx-killed', 'lb-recover', 'lb-poweroff', 'lb-poweron', 'lb-cut', 'keepalived-killed']);
/** the planned hand-back to a returning master (after keepalived_preempt_delay): a VIP move, but no failover */
export const handBacks: ReadonlySet<string> = new Set(['lb-recover', 'lb-poweron']);
/** a web backend dies or stops: the target is the slowest request under 250 ms */
export const backendFaults: ReadonlySet<string> = new Set(['backend-stopped', 'backend-poweroff', 'backend-cut']);
/** a director dies: the target is the VIP moved in 100 ms or less */
export const failovers: ReadonlySet<string> = new Set(['lb-nginx-killed', 'lb-poweroff', 'lb-cut', 'keepalived-killed']);

export const ms = (n: number): string => `${Math.round(n)} ms`;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

function num(ls: RunLine[], f: (l: RunLine) => number | undefined): number[] {
  return ls.flatMap((l) => {
    const v = f(l);
    return v === undefined ? [] : [v];
  });
}

/** lines grouped by a key, in the order the lines first name the keys */
function groupBy(lines: RunLine[], key: (l: RunLine) => string): RunLine[][] {
  const groups = new Map<string, RunLine[]>();
  for (const l of lines) {
    const k = key(l);
    const g = groups.get(k);
    if (g) g.push(l);
    else groups.set(k, [l]);
  }
  return [...groups.values()];
}

const ok = (ls: RunLine[]): RunLine[] => ls.filter((l) => l.error === undefined);
/** failed requests not inside a dying director */
const outside = (l: RunLine): number => (l.failed ?? 0) - (l.lost ?? 0);

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function header(cells: string[]): string[] {
  return [row(cells), row(cells.map(() => '---'))];
}

/** the full table: one row per scenario, rate and mode, in the order the lines first name them */
export function fullTable(lines: RunLine[]): string[] {
  const out = header([
    'scenario',
    'req/s',
    'mode',
    'runs',
    'failed outside a dying director (total)',
    'failed inside a dying director (total; min / median / max)',
    'over 250 ms (min / median / max)',
    'waited for a SYN retransmit (total)',
    'slowest (worst run)',
    'client start lag (worst run)',
    'VIP move min / median / max',
    'errors',
  ]);
  for (const ls of groupBy(lines, (l) => `${l.scenario}\0${l.rate}\0${l.mode}`)) {
    const first = ls[0];
    if (!first) continue;
    const good = ok(ls);
    const lost = num(good, (l) => l.lost);
    const slowest = num(good, (l) => l.slowest);
    const lag = num(good, (l) => l.startLag);
    out.push(
      row([
        first.scenario,
        String(first.rate),
        first.mode,
        String(good.length),
        String(sum(good.map(outside))),
        `${sum(lost)}; ${stats(lost, String)}`,
        stats(num(good, (l) => l.over250), String),
        String(sum(num(good, (l) => l.synRetx))),
        slowest.length ? formatMs(Math.max(...slowest)) : '-',
        lag.length ? formatMs(Math.max(...lag)) : '-',
        stats(num(good, (l) => l.move), ms),
        String(ls.length - good.length),
      ]),
    );
  }
  return out;
}

/** "a / b / c" over the rates, each from the runs at that rate (and mode), or "-" */
function perRate(ls: RunLine[], rates: number[], mode: Mode | undefined, f: (runs: RunLine[]) => string): string {
  return rates
    .map((rate) => {
      const at = ok(ls).filter((l) => l.rate === rate && (mode === undefined || l.mode === mode));
      return at.length ? f(at) : '-';
    })
    .join(' / ');
}

/** what the issue asks of a scenario, and whether the runs meet it */
function targets(scenario: string, good: RunLine[]): string {
  const out: string[] = [];
  const lostOutside = sum(good.map(outside));
  out.push(lostOutside === 0 ? '0 failed: met' : `0 failed: **not met** (${lostOutside})`);
  const stray = good.filter((l) => l.strayMove !== undefined).length;
  if (stray > 0) out.push(`the VIP moved with no director failing in ${stray} run${stray === 1 ? '' : 's'}`);
  if (backendFaults.has(scenario)) {
    const slowest = num(good, (l) => l.slowest);
    const worst = slowest.length ? Math.max(...slowest) : Number.NaN;
    out.push(worst < 250 ? 'slowest < 250 ms: met' : `slowest < 250 ms: **not met** (${formatMs(worst)})`);
  }
  if (failovers.has(scenario)) {
    const moves = num(good, (l) => l.move);
    const worst = moves.length ? Math.max(...moves) : Number.NaN;
    out.push(worst <= 100 ? 'VIP move ≤ 100 ms: met' : `VIP move ≤ 100 ms: **not met** (${moves.length ? ms(worst) : 'no move seen'})`);
  }
  return out.join('; ');
}

/**
 * The summary: one row per scenario over every rate and mode (with the
 * client's worst start lag, which says when the load generator, not the
 * cluster, fell behind), the issue's
 * targets judged (0 failed requests outside a dying director everywhere;
 * slowest under 250 ms for a backend fault; VIP move of 100 ms or less for a
 * director's failure).
 */
export function summaryTable(lines: RunLine[]): string[] {
  const rates = [...new Set(lines.map((l) => l.rate))].sort((a, b) => a - b);
  const r = rates.map((x) => x.toLocaleString('en')).join(' / ');
  const out = header([
    'scenario',
    'runs per cell',
    'failed outside a dying director (all cells)',
    `inside a dying director, most in a run (${r} req/s)`,
    `waited for a SYN retransmit, median per run, fresh (${r})`,
    `slowest, fresh (${r})`,
    `slowest, keep-alive (${r})`,
    `client start lag, worst run (${r})`,
    'VIP move min / median / max',
    'targets',
  ]);
  for (const ls of groupBy(lines, (l) => l.scenario)) {
    const first = ls[0];
    if (!first) continue;
    const good = ok(ls);
    const perCell = groupBy(ls, (l) => `${l.rate}\0${l.mode}`).map((c) => ok(c).length);
    const lo = Math.min(...perCell);
    const hi = Math.max(...perCell);
    const most = (xs: number[], fmt: (n: number) => string): string => (xs.length ? fmt(Math.max(...xs)) : '-');
    const worst = (xs: RunLine[]): string => most(num(xs, (l) => l.slowest), formatMs);
    out.push(
      row([
        first.scenario,
        lo === hi ? String(lo) : `${lo}-${hi}`,
        String(sum(good.map(outside))),
        perRate(ls, rates, undefined, (xs) => most(num(xs, (l) => l.lost), String)),
        perRate(ls, rates, 'fresh', (xs) => {
          const retx = num(xs, (l) => l.synRetx);
          return retx.length ? String(median(retx)) : '-';
        }),
        perRate(ls, rates, 'fresh', worst),
        perRate(ls, rates, 'keepalive', worst),
        perRate(ls, rates, undefined, (xs) => most(num(xs, (l) => l.startLag), formatMs)),
        directorScenarios.has(first.scenario) ? stats(num(good, (l) => l.move), ms) : '-',
        good.length ? targets(first.scenario, good) : 'no runs',
      ]),
    );
  }
  return out;
}
