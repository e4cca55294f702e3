/** The text summary a person reads in the terminal. */
import { describeFailures, formatMs } from '../summary.js';
import type { DrillReport, Finding, ScenarioResult } from '../types.js';
import { badgeOf } from './timeline-svg.js';
import { isIpv6Url } from '../ipv6.js';

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
    synRetxCell(r),
    vipMoveOf(r),
    leftBehindCell(r),
    badgeOf(r).text,
  ];
}

/** the client kernel's retransmitted SYNs when read, else the requests whose connect took ≥ 950 ms; '-' for none */
export function synRetxCell(r: ScenarioResult): string {
  const n = r.clientSynRetransmits ?? r.summary.synRetransmitDelayed;
  return n ? String(n) : '-';
}

export const resultHeader = ['scenario', 'profile', 'requests', 'failed', 'failures', 'retried', 'slowest', 'SYN retx', 'VIP moved', 'left behind', 'verdict'];

/** "-" (not checked: carry-over), "nothing", "2 (the drill's)" or "3 (2 by the cluster itself)" */
export function leftBehindCell(r: ScenarioResult): string {
  const f = r.findings;
  if (f === undefined) return '-';
  if (f.length === 0) return 'nothing';
  const self = f.filter((x) => x.cause === 'cluster').length;
  return self ? `${f.length} (${self} by the cluster itself)` : `${f.length} (the drill's)`;
}

/** one line per finding: "keepalived inactive on master [cluster]: stopped cleanly, ...; repaired: ..." */
export function findingLine(f: Finding): string {
  return `${f.problem} [${f.cause === 'drill' ? 'made by the drill' : 'by the cluster itself'}]: ${f.explanation}; repaired: ${f.repair}`;
}

export function modeLine(report: DrillReport): string {
  return report.mode === 'carry-over'
    ? 'mode: carry-over (each scenario starts from what the previous one left; only the drill\'s own faults are undone)'
    : 'mode: healthy-start (each scenario starts from the healthy converged cluster; what a scenario left broken is repaired before the next and listed)';
}

export function summaryTable(report: DrillReport): string {
  const v6 = report.results.find((r) => isIpv6Url(r.load.url));
  const lines = [modeLine(report), ...(v6 ? [`load over IPv6: ${v6.load.url}`] : []), pad([resultHeader, ...report.results.map(resultRow)])];
  for (const s of report.setup ?? []) {
    for (const f of s.findings) lines.push(`  before the first scenario (${s.profile}): left behind: ${findingLine(f)}`);
  }
  for (const r of report.results) {
    const missed = r.verdicts.filter((v) => !v.pass);
    if (r.error) lines.push(`  ${r.scenario} (${r.profile}): error: ${r.error}`);
    for (const v of missed) {
      lines.push(`  ${r.scenario} (${r.profile}): ${v.description}: ${v.actual}, wanted ${v.target}${v.informational ? ' (informational)' : ''}`);
    }
    for (const f of r.findings ?? []) lines.push(`  ${r.scenario} (${r.profile}): left behind: ${findingLine(f)}`);
    // HTTPS: what TLS did, passed or not
    const tls = r.verdicts.filter((v) => v.pass && v.id.startsWith('tls-')).map((v) => `${v.id === 'tls-handshakes' ? 'TLS' : v.description}: ${v.actual}`);
    if (tls.length) lines.push(`  ${r.scenario} (${r.profile}): ${tls.join('; ')}`);
  }
  lines.push(report.pass ? 'drill: PASS' : 'drill: FAIL');
  return lines.join('\n') + '\n';
}
