/** The text summary a person reads in the terminal. */
import { describeFailures, formatMs } from '../summary.js';
import type { DrillReport, ScenarioResult } from '../types.js';
import { badgeOf } from './timeline-svg.js';

function pad(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows
    .map((row) => row.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - [...c].length)).join('  ').trimEnd())
    .join('\n');
}

export function vipMoveOf(r: ScenarioResult): string {
  return r.verdicts.find((v) => v.id === 'vip-move')?.actual ?? '-';
}

export function resultRow(r: ScenarioResult): string[] {
  const s = r.summary;
  return [
    r.scenario,
    r.profile,
    String(s.total),
    s.lostWithDeath ? `${s.failed} (${s.lostWithDeath} in dying LB)` : String(s.failed),
    describeFailures(s),
    s.retries ? String(s.retries) : '-',
    formatMs(s.max),
    vipMoveOf(r),
    badgeOf(r).text,
  ];
}

export const resultHeader = ['scenario', 'profile', 'requests', 'failed', 'failures', 'retried', 'slowest', 'VIP moved', 'verdict'];

export function summaryTable(report: DrillReport): string {
  const lines = [pad([resultHeader, ...report.results.map(resultRow)])];
  for (const r of report.results) {
    const missed = r.verdicts.filter((v) => !v.pass);
    if (r.error) lines.push(`  ${r.scenario} (${r.profile}): error: ${r.error}`);
    for (const v of missed) {
      lines.push(`  ${r.scenario} (${r.profile}): ${v.description}: ${v.actual}, wanted ${v.target}${v.informational ? ' (informational)' : ''}`);
    }
  }
  lines.push(report.pass ? 'drill: PASS' : 'drill: FAIL');
  return lines.join('\n') + '\n';
}
