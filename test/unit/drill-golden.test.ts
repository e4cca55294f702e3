/**
 * Golden files of the pictures and the report, from the fixed synthetic drill
 * in test/golden/drill/synthetic.ts. `UPDATE_GOLDEN=1 npx vitest run test/unit/drill-golden.test.ts`
 * rewrites them; look at the SVGs (rsvg-convert -o x.png) before committing.
 */
import { Ajv } from 'ajv';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownReport } from '../../src/drill/report/markdown.js';
import { summaryTable } from '../../src/drill/report/table.js';
import { comparisonSvg, timelineSvg } from '../../src/drill/report/timeline-svg.js';
import { syntheticReport, syntheticResult } from '../golden/drill/synthetic.js';

const dir = resolve(import.meta.dirname, '../golden/drill');
const update = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: string): void {
  const path = join(dir, name);
  if (update || !existsSync(path)) {
    if (!update) throw new Error(`golden file ${name} is missing: run with UPDATE_GOLDEN=1`);
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('drill report golden files', () => {
  const report = syntheticReport();
  it.each([
    ['lb-poweroff.tutorial.svg', () => timelineSvg(syntheticResult('tutorial'))],
    ['lb-poweroff.hapb.svg', () => timelineSvg(syntheticResult('hapb'))],
    ['lb-poweroff.compare.svg', () => comparisonSvg(report.results[0] ?? syntheticResult('tutorial'), report.results[1] ?? syntheticResult('hapb'))],
    ['report.md', () => markdownReport(report)],
    ['summary.txt', () => summaryTable(report)],
  ])('%s', (name, render) => {
    golden(name, render());
  });

  it('renders the same bytes twice', () => {
    expect(timelineSvg(syntheticResult('hapb'))).toBe(timelineSvg(syntheticResult('hapb')));
  });

  it('the picture holds one dot per answered request and one mark per failure', () => {
    const r = syntheticResult('tutorial');
    const svg = timelineSvg(r);
    expect(svg.match(/<circle [^>]*r="1.8"/g)?.length).toBe(r.summary.ok);
    expect(svg.match(/<path d="M[\d.]+ [\d.]+L/g)?.length).toBe(r.summary.failed);
    expect(r.summary.failed).toBeGreaterThan(0);
  });
});

describe('drill JSON schema', () => {
  const schema: unknown = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../src/drill/report.schema.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema as object);

  it('accepts a report as the drill writes it', () => {
    const ok = validate(JSON.parse(JSON.stringify(syntheticReport())));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it.each([
    ['an unknown kind', (r: ReturnType<typeof syntheticReport>) => Object.assign(r.results[0]?.records[0] ?? {}, { kind: 'boom' })],
    ['a missing verdict field', (r: ReturnType<typeof syntheticReport>) => delete (r.results[0]?.verdicts[0] as { pass?: boolean }).pass],
    ['another schema id', (r: ReturnType<typeof syntheticReport>) => Object.assign(r, { schema: 'hapb-drill/2' })],
  ])('rejects %s', (_name, spoil) => {
    const r = syntheticReport();
    spoil(r);
    expect(validate(JSON.parse(JSON.stringify(r)))).toBe(false);
  });
});
