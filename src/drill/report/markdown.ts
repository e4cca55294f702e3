/** The Markdown report: summary, comparison (both profiles), and per scenario its picture, verdicts and timeline. */
import { isIpv6Url } from '../ipv6.js';
import { failedCell, formatMs } from '../summary.js';
import type { DrillReport, ScenarioResult } from '../types.js';
import { findingLine, leftBehindCell, modeLine, resultHeader, resultRow, vipMoveOf } from './table.js';
import { svgFileName } from './svg-name.js';

function row(cells: string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}
function table(header: string[], rows: string[][]): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

function pairs(report: DrillReport): [ScenarioResult, ScenarioResult][] {
  const out: [ScenarioResult, ScenarioResult][] = [];
  for (const t of report.results.filter((r) => r.profile === 'tutorial')) {
    const h = report.results.find((r) => r.profile === 'hapb' && r.scenario === t.scenario);
    if (h) out.push([t, h]);
  }
  return out;
}

function timelineLines(r: ScenarioResult): string[] {
  return r.events.map((e) => `- ${(e.t / 1000).toFixed(2)} s — ${e.kind}: ${e.label}`);
}

export function markdownReport(report: DrillReport): string {
  const out: string[] = [];
  out.push(`# hapb drill: ${report.pass ? 'PASS' : 'FAIL'}`, '');
  out.push(`Lab \`${report.lab}\`, started ${report.startedAt}, profiles: ${report.profiles.join(', ')}.`, '');
  out.push(`${modeLine(report).replace(/^mode: (\S+)/, 'Mode: **$1**')}.`, '');
  const both = pairs(report);
  if (both.length) {
    out.push('## tutorial vs hapb', '');
    out.push(
      ...table(
        ['scenario', 'failed: tutorial', 'failed: hapb', 'slowest: tutorial', 'slowest: hapb', 'VIP moved: tutorial', 'VIP moved: hapb', 'left behind: tutorial', 'left behind: hapb'],
        both.map(([t, h]) => [
          t.scenario,
          failedCell(t.summary),
          failedCell(h.summary),
          formatMs(t.summary.max),
          formatMs(h.summary.max),
          vipMoveOf(t),
          vipMoveOf(h),
          leftBehindCell(t),
          leftBehindCell(h),
        ]),
      ),
      '',
    );
  }
  const found = report.results.filter((r) => (r.findings ?? []).length > 0);
  if (found.length || report.setup?.length) {
    out.push('## Findings: what a scenario left broken', '');
    out.push('Repaired by the drill before the next scenario; "by the cluster itself" is a fault no scenario made.', '');
    for (const s of report.setup ?? []) for (const f of s.findings) out.push(`- before the first scenario (${s.profile}): ${findingLine(f)}`);
    for (const r of found) for (const f of r.findings ?? []) out.push(`- ${r.scenario} (${r.profile}): ${findingLine(f)}`);
    out.push('');
  }
  if (report.results.some((r) => r.summary.lostWithDeath > 0)) {
    out.push(
      '"Inside the dying director": requests that were already inside a director when it died (nginx killed, ' +
        'power lost, link cut). Their bytes and TCP state died with it; only a client retry could save them. ' +
        'They count as failed but are reported apart, not judged: the failed-requests target applies to every other request.',
      '',
    );
  }
  out.push('## Summary', '');
  out.push(...table(resultHeader, report.results.map(resultRow)), '');
  const seen = new Set<string>();
  for (const r of report.results) {
    if (seen.has(r.scenario)) continue;
    seen.add(r.scenario);
    const same = report.results.filter((x) => x.scenario === r.scenario);
    out.push(`## ${r.scenario}`, '', r.description, '');
    const pair = both.find(([t]) => t.scenario === r.scenario);
    if (pair) out.push(`![${r.scenario}: tutorial vs hapb](${svgFileName(r.scenario, 'compare')})`, '');
    else for (const x of same) out.push(`![${x.scenario} (${x.profile})](${svgFileName(x.scenario, x.profile)})`, '');
    for (const x of same) {
      out.push(`### ${x.profile}`, '');
      if (x.error) out.push(`Error: ${x.error}`, '');
      out.push(
        `${x.summary.total} requests${isIpv6Url(x.load.url) ? ` over IPv6 to ${x.load.url}` : ''} at ${x.load.rate} req/s (${x.load.keepalive ? `${x.load.keepalive} keep-alive connections` : 'a new connection per request'}, timeout ${formatMs(x.load.timeoutMs)}): ` +
          `${x.summary.failed} failed, ${x.summary.retries} retried, p50 ${formatMs(x.summary.p50)}, p99 ${formatMs(x.summary.p99)}, slowest ${formatMs(x.summary.max)}.`,
        '',
      );
      if (x.verdicts.length) {
        out.push(
          ...table(
            ['check', 'target', 'measured', 'result'],
            x.verdicts.map((v) => [v.description, v.target, v.actual, `${v.pass ? 'pass' : 'FAIL'}${v.informational ? ' (informational)' : ''}`]),
          ),
          '',
        );
      }
      if (x.events.length) out.push('Timeline:', '', ...timelineLines(x), '');
      if (x.findings?.length) out.push('Left behind, repaired before the next scenario:', '', ...x.findings.map((f) => `- ${findingLine(f)}`), '');
    }
  }
  return out.join('\n');
}
