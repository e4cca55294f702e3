/** `hapb drill` end to end over the in-memory lab: options, JSON on stdout, the report directory, exit codes. */
import { Ajv } from 'ajv';
import { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { registerDrillCommands } from '../../src/cli/drill.js';
import { MemoryLab } from '../golden/drill/memory-lab.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

/** the drill runs on the lab's clock: simulated time, no real wait */
async function drill(args: string[], lab = new MemoryLab(100, new VirtualClock())): Promise<{ code: number; out: string; err: string; lab: MemoryLab }> {
  const program = new Command().exitOverride();
  registerDrillCommands(program, { openLab: async () => lab, clock: lab.clock, settleMs: 0, heal: { graceMs: 100, vipMs: 2000, stableMs: 50, pollMs: 20 } });
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'hapb', 'drill', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out, err, lab };
}

const tmp = mkdtempSync(join(tmpdir(), `hapb-t-drill-cli-${process.pid}-`));

describe('hapb drill', () => {
  it('--list names every scenario and plan', async () => {
    const { out, code } = await drill(['--list']);
    expect(code).toBe(0);
    for (const n of ['baseline', 'lb-poweroff', 'lb-partition', 'seed-plan', 'all']) expect(out).toContain(n);
  });

  it.each([
    [['--profile', 'plus']],
    [['--rate', 'x']],
    [['no-such-scenario']],
  ])('%j is bad input: exit 4, a one-line reason, no lab touched', async (args) => {
    const { code, err, lab } = await drill(args);
    expect(code).toBe(4);
    expect(err).toMatch(/^hapb drill: /);
    expect(lab.log).toEqual([]);
  });

  it('baseline -o json: a report valid against the schema, exit 0', async () => {
    const { code, out, lab } = await drill(['baseline', '--rate', '50', '-o', 'json', '--report', join(tmp, 'r')]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as { pass: boolean; results: { scenario: string; records: unknown[] }[] };
    const schema = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../src/drill/report.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ validateFormats: false }).compile(schema);
    expect(validate(report)).toBe(true);
    expect(report.pass).toBe(true);
    expect(report.results.map((r) => r.scenario)).toEqual(['baseline']);
    expect(report.results[0]?.records.length).toBeGreaterThan(100);
    expect(lab.log).toEqual(['profile hapb']);
    for (const f of ['report.md', 'report.json', 'report.html', 'baseline.hapb.svg']) expect(existsSync(join(tmp, 'r', f))).toBe(true);
  }, 20_000);

  it('healthy-start by default (findings checked), --carry-over on request; the report says which', async () => {
    const healthy = JSON.parse((await drill(['baseline', '--rate', '20', '-o', 'json'])).out) as { mode: string; results: { findings?: unknown[] }[] };
    expect(healthy.mode).toBe('healthy-start');
    expect(healthy.results[0]?.findings).toEqual([]);
    const carry = await drill(['baseline', '--rate', '20', '--carry-over']);
    expect(carry.out).toMatch(/^mode: carry-over/);
  }, 30_000);

  it('a failed verdict exits 2 and the summary says which', async () => {
    const lab = new MemoryLab(100, new VirtualClock());
    lab.refuse = true;
    const { code, out } = await drill(['baseline', '--rate', '20'], lab);
    expect(code).toBe(2);
    expect(out).toMatch(/baseline \(hapb\): failed requests: \d+ \(\d+ refused\), wanted 0/);
    expect(out).toContain('drill: FAIL');
  }, 20_000);
});

process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
