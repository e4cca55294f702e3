/** The soak's report: a summary (stdout), report.md, report.json (no per-request records: the failures only), soak.svg (the whole timeline). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFailures, formatMs } from '../summary.js';
import { timelineSvg } from '../report/timeline-svg.js';
import { thin, type SoakReport } from './run-soak.js';

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function faultRows(r: SoakReport): string[][] {
  return r.faults.map((f) => [
    String(f.n),
    sec(f.t),
    f.label,
    f.target,
    sec(f.undoneT - f.t),
    sec(f.healedT - f.undoneT),
    String(f.requests),
    f.failed === 0 ? '0' : `${f.failed}${f.lostWithDeath ? ` (${f.lostWithDeath} in a dying or hung director)` : ''}`,
    formatMs(f.slowestMs),
    String(f.vipChanges),
    [f.findings.length ? `${f.findings.length} repaired: ${f.findings.map((x) => x.problem).join('; ')}` : '', f.error ?? ''].filter(Boolean).join('; ') || '-',
  ]);
}

const faultHeader = ['#', 'at', 'fault', 'target', 'held', 'to healthy', 'requests', 'failed', 'slowest', 'VIP changes', 'left behind'];

export function soakSummary(r: SoakReport): string {
  const s = r.summary;
  const lines = [
    `soak of ${r.target}: seed ${r.seed}, profile ${r.profile}, ${sec(r.durationMs)} at ${r.rate} req/s, ${r.keepalive ? `${r.keepalive} keep-alive connections` : 'a new connection per request'}`,
    `faults: ${r.faults.length} (planned ${r.plan.length})`,
    `requests: ${s.total}, failed: ${s.failed}${s.failed ? ` (${describeFailures(s)})` : ''}, of which inside a dying or hung director: ${s.lostWithDeath}${r.lossyTcpTimeouts ? `, held up by TCP on a lossy link: ${r.lossyTcpTimeouts}` : ''}`,
    `failed outside a dying or hung director${r.lossyTcpTimeouts ? ' (besides those held up by TCP)' : ''}: ${r.failedOutside} (target 0)`,
    `time with two VIP holders: ${(r.twoHoldersMs / 1000).toFixed(2)} s in total, longest ${(r.longestTwoHoldersMs / 1000).toFixed(2)} s (target: no second); with none: ${(r.noHolderMs / 1000).toFixed(2)} s`,
    `latency: p50 ${formatMs(s.p50)}, p99 ${formatMs(s.p99)}, max ${formatMs(s.max)}`,
    ...(r.error ? [`error: ${r.error}`] : []),
    '',
    ...table(faultHeader, faultRows(r)),
    '',
    `soak: ${r.pass ? 'PASS' : 'FAIL'}`,
    '',
  ];
  return lines.join('\n');
}

export function soakMarkdown(r: SoakReport): string {
  const failures = r.timeline.records.filter((x) => x.kind !== 'ok');
  return [
    `# Soak of ${r.target} (seed ${r.seed})`,
    '',
    `Started ${r.startedAt}; ${sec(r.durationMs)} of load at ${r.rate} req/s, ${r.keepalive ? `${r.keepalive} keep-alive connections` : 'a new connection per request'}; profile ${r.profile}.`,
    `The same seed and options replay the same plan (\`hapb drill soak --seed ${r.seed}\`).`,
    '',
    '![whole soak](soak.svg)',
    '',
    '## Figures',
    '',
    ...table(
      ['figure', 'value', 'target'],
      [
        ['requests', String(r.summary.total), ''],
        ['failed outside a dying or hung director', String(r.failedOutside), '0'],
        ['failed inside a dying or hung director (reported)', String(r.summary.lostWithDeath), '-'],
        ['timeouts held up by TCP on a lossy link (reported)', String(r.lossyTcpTimeouts), '-'],
        ['time with two VIP holders (total)', `${(r.twoHoldersMs / 1000).toFixed(2)} s`, '-'],
        ['longest stretch with two VIP holders', `${(r.longestTwoHoldersMs / 1000).toFixed(2)} s`, '< 1 s'],
        ['time with no VIP holder', `${(r.noHolderMs / 1000).toFixed(2)} s`, '-'],
        ['slowest request', formatMs(r.summary.max), ''],
        ['p99', formatMs(r.summary.p99), ''],
      ],
    ),
    '',
    '## Faults',
    '',
    ...table(faultHeader, faultRows(r)),
    '',
    '## Failed requests',
    '',
    ...(failures.length === 0
      ? ['None.']
      : failures.slice(0, 200).map((x) => `- #${x.seq} at ${sec(x.started)}: ${x.kind}${x.code ? ` ${x.code}` : ''}${x.status ? ` HTTP ${x.status}` : ''}${x.lostWith ? ` (inside ${x.lostWith} as it died)` : ''}`)),
    '',
    `Verdict: **${r.pass ? 'PASS' : 'FAIL'}**${r.error ? ` (${r.error})` : ''}`,
    '',
  ].join('\n');
}

/** report.json: everything but the successful requests (their count and latency figures are in `summary`) */
export function soakJson(r: SoakReport): string {
  const { records, ...rest } = r.timeline;
  return JSON.stringify({ ...r, timeline: { ...rest, failures: records.filter((x) => x.kind !== 'ok') } });
}

export async function writeSoakReport(dir: string, r: SoakReport): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['report.md', soakMarkdown(r)],
    ['report.json', soakJson(r) + '\n'],
    ['soak.svg', timelineSvg({ ...r.timeline, records: thin(r.timeline.records) })],
  ];
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files.map(([n]) => join(dir, n));
}
