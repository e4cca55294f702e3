import { describe, expect, it } from 'vitest';
import { fullTable, type RunLine, summaryTable } from '../../bench/lossless-table.js';

let seq = 0;
function line(scenario: string, rate: number, mode: 'fresh' | 'keepalive', f: Partial<RunLine> = {}): RunLine {
  seq++;
  return { scenario, rate, mode, run: seq, commit: 'abc1234', at: '2026-12-07T00:00:00.000Z', failed: 0, lost: 0, over250: 0, synRetx: 0, slowest: 20, startLag: 5, ...f };
}

/** the cells of the row whose first cell is `name` */
function cells(rows: string[], name: string): string[] {
  const r = rows.find((x) => x.startsWith(`| ${name} |`));
  if (!r) throw new Error(`no row ${name} in\n${rows.join('\n')}`);
  return r.slice(2, -2).split(' | ');
}

describe('lossless bench: summary table (the README table)', () => {
  const lines: RunLine[] = [
    line('lb-poweroff', 200, 'fresh', { failed: 1, lost: 1, synRetx: 60, slowest: 1040, move: 300 }),
    line('lb-poweroff', 200, 'fresh', { failed: 0, lost: 0, synRetx: 64, slowest: 1050, move: 320 }),
    line('lb-poweroff', 200, 'keepalive', { slowest: 450, move: 290 }),
    line('lb-poweroff', 2000, 'fresh', { failed: 3, lost: 3, synRetx: 580, slowest: 1060, move: 310 }),
    line('lb-poweroff', 2000, 'keepalive', { slowest: 640, move: 95 }),
    line('backend-cut', 200, 'fresh', { slowest: 103 }),
    line('backend-cut', 2000, 'keepalive', { slowest: 260 }),
    line('lb-recover', 800, 'fresh', { failed: 1, lost: 0, move: 5700 }),
    line('lb-recover', 800, 'fresh', { error: 'the cluster is not healthy: x' }),
  ];
  const rows = summaryTable(lines);

  it('lists every rate seen, in order, in the per-rate headers', () => {
    expect(rows[0]).toContain('most in a run (200 / 800 / 2,000 req/s)');
  });

  it('separates failed requests inside a dying director from the rest, per rate', () => {
    const c = cells(rows, 'lb-poweroff');
    expect(c[1]).toBe('1-2'); // runs per cell: 200/fresh has 2, the others 1
    expect(c[2]).toBe('0'); // every failed request was inside the dying director
    expect(c[3]).toBe('1 / - / 3');
    expect(c[4]).toBe('62 / - / 580'); // median of 60 and 64
    expect(c[5]).toBe('1.05 s / - / 1.06 s');
    expect(c[6]).toBe('450 ms / - / 640 ms');
    expect(c[7]).toBe('5 ms / - / 5 ms'); // client start lag, worst run per rate
    expect(c[8]).toBe('95 ms / 300 ms / 320 ms');
  });

  it('judges the VIP move on the slowest failover, not the median', () => {
    expect(cells(rows, 'lb-poweroff')[9]).toBe('0 failed: met; VIP move ≤ 100 ms: **not met** (320 ms)');
  });

  it('judges a backend fault on its slowest request in any cell', () => {
    expect(cells(rows, 'backend-cut')[9]).toBe('0 failed: met; slowest < 250 ms: **not met** (260 ms)');
    const fast = summaryTable([line('backend-cut', 200, 'fresh', { slowest: 103 })]);
    expect(cells(fast, 'backend-cut')[9]).toBe('0 failed: met; slowest < 250 ms: met');
  });

  it('counts a failure outside a dying director against the target, and leaves errored runs out', () => {
    const c = cells(rows, 'lb-recover');
    expect(c[1]).toBe('1');
    expect(c[2]).toBe('1');
    expect(c[9]).toBe('0 failed: **not met** (1)'); // a hand-back, not a failover: no VIP target
  });
});

describe('lossless bench: a VIP move with no director failing', () => {
  it('is named among the targets of the scenario', () => {
    const rows = summaryTable([line('backend-stopped', 800, 'fresh', { failed: 90, lost: 0, strayMove: 3610 }), line('backend-stopped', 800, 'fresh')]);
    expect(cells(rows, 'backend-stopped')[9]).toBe('0 failed: **not met** (90); the VIP moved with no director failing in 1 run; slowest < 250 ms: met');
  });
});

describe('lossless bench: full table', () => {
  it('has one row per scenario, rate and mode, with the errors counted apart', () => {
    const rows = fullTable([
      line('lb-recover', 800, 'fresh', { failed: 2, lost: 1 }),
      line('lb-recover', 800, 'fresh', { error: 'x' }),
      line('lb-recover', 800, 'keepalive'),
    ]);
    expect(rows).toHaveLength(4);
    const c = cells(rows, 'lb-recover');
    expect(c.slice(0, 6)).toEqual(['lb-recover', '800', 'fresh', '1', '1', '1; 1 / 1 / 1']);
    expect(c[11]).toBe('1');
  });
});
