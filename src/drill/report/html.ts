/**
 * report.html: the drill's report as one self-contained page a browser opens
 * from disk with no network: the summary table, the notes (missed targets,
 * findings, TLS), and per scenario its verdicts and its picture. Pictures are
 * the same SVGs as the report's files, inlined as data: URLs (each keeps its
 * own ids; nothing is fetched). A small inline script marks each picture
 * `data-rendered="yes"` once the browser has decoded it, and the body
 * `data-pictures="rendered/total"`, so a headless browser's DOM tells whether
 * every picture rendered.
 */
import type { DrillReport, ScenarioResult } from '../types.js';
import { svgFileName } from './svg-name.js';
import { findingLine, modeLine, resultHeader, resultRow } from './table.js';
import { badgeOf, comparisonSvg, timelineSvg } from './timeline-svg.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const dataUrl = (svg: string): string => `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;

function picture(name: string, svg: string, alt: string): string {
  return `<figure><img class="picture" data-name="${esc(name)}" alt="${esc(alt)}" src="${dataUrl(svg)}"><figcaption>${esc(name)}</figcaption></figure>`;
}

function notes(r: ScenarioResult): string[] {
  const out: string[] = [];
  if (r.error) out.push(`error: ${r.error}`);
  for (const v of r.verdicts.filter((x) => !x.pass)) out.push(`${v.description}: ${v.actual}, wanted ${v.target}${v.informational ? ' (informational)' : ''}`);
  for (const f of r.findings ?? []) out.push(`left behind: ${findingLine(f)}`);
  return out;
}

function scenarioSection(r: ScenarioResult): string {
  const rows = r.verdicts
    .map((v) => `<tr class="${v.pass ? 'pass' : v.informational ? 'info' : 'fail'}"><td>${esc(v.description)}</td><td>${esc(v.target)}</td><td>${esc(v.actual)}</td><td>${v.pass ? 'pass' : v.informational ? 'missed (informational)' : 'FAIL'}</td></tr>`)
    .join('\n');
  return [
    `<section id="${esc(`${r.scenario}-${r.profile}`)}">`,
    `<h2>${esc(r.scenario)} · ${esc(r.profile)} <span class="badge" style="background:${badgeOf(r).color}">${esc(badgeOf(r).text)}</span></h2>`,
    `<p>${esc(r.description)}; ${r.summary.total} requests to ${esc(r.load.url)} at ${r.load.rate}/s${r.load.keepalive ? `, ${r.load.keepalive} keep-alive connections` : ''}.</p>`,
    picture(svgFileName(r.scenario, r.profile), timelineSvg(r), `timeline of ${r.scenario}, profile ${r.profile}`),
    `<table class="verdicts"><thead><tr><th>verdict</th><th>target</th><th>measured</th><th></th></tr></thead><tbody>\n${rows}\n</tbody></table>`,
    `</section>`,
  ].join('\n');
}

const style = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f2f2f2}tr.fail td{background:#fde8e8}tr.info td{background:#fff6e0}
.badge{color:#fff;padding:1px 8px;border-radius:3px;font-size:12px}img.picture{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}`;

const script = `(function(){var imgs=document.querySelectorAll('img.picture');var done=0,ok=0;
function mark(){document.body.setAttribute('data-pictures',ok+'/'+imgs.length);}
imgs.forEach(function(i){function f(){done++;if(i.naturalWidth>0){ok++;i.setAttribute('data-rendered','yes');}else{i.setAttribute('data-rendered','no');}mark();}
if(i.complete){f();}else{i.addEventListener('load',f);i.addEventListener('error',f);}});mark();})();`;

export function htmlReport(report: DrillReport): string {
  const head = resultHeader.map((h) => `<th>${esc(h)}</th>`).join('');
  const rows = report.results.map((r) => `<tr><td>${resultRow(r).map(esc).join('</td><td>')}</td></tr>`).join('\n');
  const allNotes = report.results.flatMap((r) => notes(r).map((n) => `<li>${esc(`${r.scenario} (${r.profile}): ${n}`)}</li>`));
  const comparisons = report.results
    .filter((r) => r.profile === 'tutorial')
    .map((t) => [t, report.results.find((h) => h.profile === 'hapb' && h.scenario === t.scenario)] as const)
    .filter((p): p is readonly [ScenarioResult, ScenarioResult] => p[1] !== undefined)
    .map(([t, h]) => `<section><h2>${esc(t.scenario)}: tutorial vs hapb</h2>${picture(svgFileName(t.scenario, 'compare'), comparisonSvg(t, h), `${t.scenario}: tutorial left, hapb right`)}</section>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>hapb drill ${esc(report.lab)} ${esc(report.startedAt)}</title>`,
    `<style>${style}</style></head>`,
    '<body>',
    `<h1>hapb drill: <span id="verdict">${report.pass ? 'PASS' : 'FAIL'}</span></h1>`,
    `<p>lab ${esc(report.lab)}, started ${esc(report.startedAt)}, profiles ${esc(report.profiles.join(', '))}. ${esc(modeLine(report))}</p>`,
    `<table id="summary"><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`,
    allNotes.length ? `<ul id="notes">\n${allNotes.join('\n')}\n</ul>` : '',
    ...comparisons,
    ...report.results.map(scenarioSection),
    `<script>${script}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
