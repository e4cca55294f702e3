/** Write a drill's report directory: report.md, report.json, report.html (self-contained), one SVG per scenario and profile (and a comparison). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DrillReport } from '../types.js';
import { htmlReport } from './html.js';
import { markdownReport } from './markdown.js';
import { svgFileName } from './svg-name.js';
import { comparisonSvg, timelineSvg } from './timeline-svg.js';

/** returns the paths written */
export async function writeReport(dir: string, report: DrillReport): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['report.md', markdownReport(report)],
    ['report.json', JSON.stringify(report, null, 2) + '\n'],
    ['report.html', htmlReport(report)],
  ];
  for (const r of report.results) files.push([svgFileName(r.scenario, r.profile), timelineSvg(r)]);
  for (const t of report.results.filter((r) => r.profile === 'tutorial')) {
    const h = report.results.find((r) => r.profile === 'hapb' && r.scenario === t.scenario);
    if (h) files.push([svgFileName(t.scenario, 'compare'), comparisonSvg(t, h)]);
  }
  const paths: string[] = [];
  for (const [name, body] of files) {
    const p = join(dir, name);
    await writeFile(p, body);
    paths.push(p);
  }
  return paths;
}
