/**
 * The picture of one scenario: time on x; each request a dot at its latency
 * (log y), coloured by the backend that answered; failed requests as red marks
 * in their own lane, one row per kind; a band showing which director held the
 * VIP; faults, recoveries and failover windows marked; legend; counts in the title.
 * Pure string output: the same result renders the same bytes.
 */
import { describeFailures, formatMs } from '../summary.js';
import type { OutcomeKind, ScenarioResult, TimelineEvent } from '../types.js';
import {
  backendColors,
  colorFor,
  directorColors,
  failureColor,
  faultColor,
  noteColor,
  nobodyColor,
  recoverColor,
  windowColor,
} from './palette.js';
import { esc, linear, log, n, text, tickStep } from './svg-util.js';

export const panelWidth = 960;
export const panelHeight = 470;

const left = 70;
const right = panelWidth - 28;
const plotTop = 78;
const plotBottom = 290;
const failTop = 302;
const failRows: OutcomeKind[] = ['refused', 'reset', 'timeout', 'http', 'other'];
const failRowH = 11;
const bandTop = failTop + failRows.length * failRowH + 10;
const bandH = 18;
const axisY = bandTop + bandH + 4;
const legendY = axisY + 36;

export interface TimelineOptions {
  /** id prefix, so several panels can share one document */
  idPrefix?: string;
  /** the latency target line, ms */
  latencyTargetMs?: number;
  /** length of the time axis, ms (side-by-side panels share one) */
  durationMs?: number;
}

export function titleOf(r: ScenarioResult): string {
  const s = r.summary;
  const lost = s.lostWithDeath ? ` (${s.lostWithDeath} inside the dying director)` : '';
  const failed = s.failed === 0 ? '0 failed' : `${s.failed} FAILED${lost}`;
  const retries = s.retries ? `, ${s.retries} retried` : '';
  return `${r.scenario} · ${r.profile} — ${s.total} requests, ${failed}${retries}, slowest ${formatMs(s.max)}`;
}

/** PASS / FAIL / ERROR, or a softer word when only informational verdicts missed */
export function badgeOf(r: ScenarioResult): { text: string; color: string } {
  if (r.error) return { text: 'ERROR', color: failureColor };
  if (!r.pass) return { text: 'FAIL', color: failureColor };
  const missed = r.verdicts.filter((v) => !v.pass).length;
  if (missed) return { text: `MISSES ${missed}`, color: '#E69F00' };
  return { text: 'PASS', color: recoverColor };
}

export function subtitleOf(r: ScenarioResult): string {
  const parts = [r.description];
  const missedInfo = r.verdicts.filter((v) => !v.pass && v.informational).length;
  if (missedInfo && r.pass) parts.push(`${missedInfo} target${missedInfo > 1 ? 's' : ''} missed (informational)`);
  const f = describeFailures(r.summary);
  if (f !== 'none') parts.push(`failed: ${f}`);
  const move = r.verdicts.find((v) => v.id === 'vip-move');
  if (move) parts.push(move.actual === 'never' ? 'VIP never moved' : `VIP moved after ${move.actual}`);
  parts.push(`${r.load.rate} req/s, ${r.load.keepalive ? `${r.load.keepalive} keep-alive connections` : 'new connection per request'}`);
  if (r.error) parts.push(`error: ${r.error.split('\n')[0] ?? ''}`);
  return parts.join(' · ');
}

function directorsOf(events: TimelineEvent[]): string[] {
  const set = new Set<string>();
  for (const e of events) for (const h of e.holders ?? []) set.add(h);
  return [...set].sort();
}

export function backendsOf(r: ScenarioResult): string[] {
  const set = new Set<string>();
  for (const rec of r.records) if (rec.backend !== undefined && rec.kind === 'ok') set.add(rec.backend);
  return [...set].sort();
}

/** one panel as a <g> (no <svg> wrapper), at the origin */
export function timelinePanel(r: ScenarioResult, opts: TimelineOptions = {}): string {
  const id = opts.idPrefix ?? 'p';
  const target = opts.latencyTargetMs ?? 1500;
  const out: string[] = [];
  const dur = Math.max(1, opts.durationMs ?? r.durationMs);
  const x = linear(0, dur, left, right);
  const maxLat = Math.max(r.load.timeoutMs, r.summary.max, 10);
  const minLat = 0.1;
  const y = log(minLat, maxLat, plotBottom, plotTop);
  const backends = backendsOf(r);
  const directors = directorsOf(r.events);
  const badge = badgeOf(r);

  out.push(`<g class="panel" font-family="DejaVu Sans, Arial, sans-serif" font-size="11" fill="#222">`);
  out.push(`<rect x="0" y="0" width="${panelWidth}" height="${panelHeight}" fill="#ffffff"/>`);
  out.push(text(left, 22, titleOf(r), 'font-size="15" font-weight="bold"'));
  out.push(
    text(right, 22, badge.text, `font-size="15" font-weight="bold" text-anchor="end" fill="${badge.color}"`),
  );
  out.push(text(left, 40, subtitleOf(r), 'fill="#555"'));

  // failover windows behind everything
  for (const w of r.windows) {
    const x0 = x(Math.max(0, w.from));
    const x1 = x(Math.min(dur, w.to));
    if (x1 > x0) out.push(`<rect x="${n(x0)}" y="${plotTop}" width="${n(x1 - x0)}" height="${bandTop + bandH - plotTop}" fill="${windowColor}"/>`);
  }

  // latency grid
  out.push(`<g stroke="#e5e5e5" stroke-width="1">`);
  const grid = [0.1, 1, 10, 100, 1000, 10_000, 100_000].filter((v) => v <= maxLat);
  for (const g of grid) out.push(`<line x1="${left}" x2="${right}" y1="${n(y(g))}" y2="${n(y(g))}"/>`);
  out.push(`</g>`);
  for (const g of grid) out.push(text(left - 6, y(g) + 4, g >= 1000 ? `${g / 1000} s` : `${g} ms`, 'text-anchor="end" fill="#666"'));
  out.push(text(14, (plotTop + plotBottom) / 2, 'latency (log)', `transform="rotate(-90 14 ${n((plotTop + plotBottom) / 2)})" text-anchor="middle" fill="#666"`));
  if (target <= maxLat) {
    out.push(`<line x1="${left}" x2="${right}" y1="${n(y(target))}" y2="${n(y(target))}" stroke="${failureColor}" stroke-dasharray="6 4" stroke-width="1"/>`);
    out.push(text(right - 2, y(target) - 3, `target ${formatMs(target)}`, `text-anchor="end" fill="${failureColor}"`));
  }
  out.push(`<rect x="${left}" y="${plotTop}" width="${right - left}" height="${plotBottom - plotTop}" fill="none" stroke="#999"/>`);

  // request dots, grouped by backend for a small file
  const groups = new Map<string, string[]>();
  for (const rec of r.records) {
    if (rec.kind !== 'ok') continue;
    const key = rec.backend ?? '';
    const cx = n(x(rec.started));
    const cy = n(y(rec.latency));
    const ring = rec.retriedAfter !== undefined ? ' stroke="#000" stroke-width="0.8"' : '';
    const list = groups.get(key) ?? [];
    list.push(`<circle cx="${cx}" cy="${cy}" r="1.8"${ring}/>`);
    groups.set(key, list);
  }
  for (const b of [...groups.keys()].sort()) {
    out.push(`<g fill="${b ? colorFor(backends, backendColors, b) : '#444'}" fill-opacity="0.7">`);
    for (const dot of groups.get(b) ?? []) out.push(dot);
    out.push(`</g>`);
  }

  // failure lane
  out.push(`<rect x="${left}" y="${failTop}" width="${right - left}" height="${failRows.length * failRowH}" fill="#fff5f5" stroke="#e8bcbc"/>`);
  failRows.forEach((k, i) => {
    const cy = failTop + i * failRowH + failRowH / 2;
    out.push(text(left - 6, cy + 3.5, k, `text-anchor="end" font-size="9" fill="${failureColor}"`));
  });
  out.push(`<g stroke="${failureColor}" stroke-width="1.4">`);
  for (const rec of r.records) {
    if (rec.kind === 'ok') continue;
    const row = failRows.indexOf(rec.kind);
    const cy = failTop + Math.max(0, row) * failRowH + failRowH / 2;
    const cx = x(rec.started);
    out.push(`<path d="M${n(cx - 3)} ${n(cy - 3)}L${n(cx + 3)} ${n(cy + 3)}M${n(cx - 3)} ${n(cy + 3)}L${n(cx + 3)} ${n(cy - 3)}"/>`);
    // died inside a dying director (see deaths.ts): ringed
    if (rec.lostWith !== undefined) out.push(`<circle cx="${n(cx)}" cy="${n(cy)}" r="5" fill="none" stroke-width="1"/>`);
  }
  out.push(`</g>`);

  // VIP band
  out.push(
    `<defs><pattern id="${id}-split" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#ffd6d6"/><rect width="3" height="6" fill="${failureColor}"/></pattern></defs>`,
  );
  out.push(text(left - 6, bandTop + 13, 'VIP', 'text-anchor="end" font-weight="bold"'));
  const vip = r.events.filter((e) => e.kind === 'vip');
  vip.forEach((e, i) => {
    // the first observation stands for the state at t0
    const from = i === 0 ? 0 : Math.max(0, e.t);
    const next = vip[i + 1];
    const to = Math.min(dur, next ? next.t : dur);
    if (to <= from) return;
    const h = e.holders ?? [];
    const fill =
      h.length === 0 ? nobodyColor : h.length > 1 ? `url(#${id}-split)` : colorFor(directors, directorColors, h[0] ?? '');
    const x0 = x(from);
    const w = x(to) - x0;
    out.push(`<rect x="${n(x0)}" y="${bandTop}" width="${n(w)}" height="${bandH}" fill="${fill}"/>`);
    const label = h.length === 0 ? 'nobody' : h.join(' + ');
    if (w > label.length * 6.5 + 6) out.push(text(x0 + 4, bandTop + 13, label, 'font-size="10"'));
  });
  out.push(`<rect x="${left}" y="${bandTop}" width="${right - left}" height="${bandH}" fill="none" stroke="#999"/>`);

  // time axis
  const step = tickStep(dur, 12);
  for (let t = 0; t <= dur + 1e-9; t += step) {
    const tx = x(t);
    out.push(`<line x1="${n(tx)}" x2="${n(tx)}" y1="${axisY}" y2="${axisY + 4}" stroke="#666"/>`);
    out.push(text(tx, axisY + 15, `${Number((t / 1000).toFixed(2))}s`, 'text-anchor="middle" fill="#666"'));
  }

  // faults, recoveries, notes
  const marks = r.events.filter((e) => e.kind !== 'vip');
  marks.forEach((e, i) => {
    const color = e.kind === 'fault' ? faultColor : e.kind === 'recover' ? recoverColor : noteColor;
    const mx = x(Math.min(dur, Math.max(0, e.t)));
    out.push(`<line x1="${n(mx)}" x2="${n(mx)}" y1="${plotTop - 4}" y2="${bandTop + bandH}" stroke="${color}" stroke-width="1.5" stroke-dasharray="${e.kind === 'note' ? '2 3' : '5 3'}"/>`);
    const ly = 54 + (i % 2) * 12;
    const anchor = mx > (left + right) / 2 ? 'end' : 'start';
    const dx = anchor === 'end' ? -3 : 3;
    const sym = e.kind === 'fault' ? '✖ ' : e.kind === 'recover' ? '✔ ' : '';
    out.push(text(mx + dx, ly, `${sym}${e.label} @${(e.t / 1000).toFixed(2)}s`, `text-anchor="${anchor}" fill="${color}"`));
  });

  // legend
  let lx = left;
  const item = (swatch: string, label: string): void => {
    out.push(swatch.replaceAll('{x}', n(lx)));
    out.push(text(lx + 14, legendY + 4, label));
    lx += 26 + label.length * 6.6;
  };
  for (const b of backends) {
    const count = r.summary.byBackend[b] ?? 0;
    item(`<circle cx="{x}" cy="${legendY}" r="4" fill="${colorFor(backends, backendColors, b)}"/>`, `${b} (${count})`);
  }
  const failedLabel = `failed (${r.summary.failed})`;
  item(`<path d="M{x} ${legendY}m-3 -3l6 6m0 -6l-6 6" stroke="${failureColor}" stroke-width="1.6"/>`, failedLabel);
  for (const d of directors) {
    item(`<rect x="{x}" y="${legendY - 5}" width="10" height="10" transform="translate(-5 0)" fill="${colorFor(directors, directorColors, d)}"/>`, `VIP on ${d}`);
  }
  if (vip.some((e) => (e.holders ?? []).length > 1)) {
    item(`<rect x="{x}" y="${legendY - 5}" width="10" height="10" transform="translate(-5 0)" fill="url(#${id}-split)"/>`, 'split brain');
  }
  if (r.windows.length) {
    item(`<rect x="{x}" y="${legendY - 5}" width="10" height="10" transform="translate(-5 0)" fill="${windowColor}" stroke="#ccc"/>`, 'failover window');
  }
  if (r.summary.lostWithDeath) {
    item(
      `<path d="M{x} ${legendY}m-3 -3l6 6m0 -6l-6 6" stroke="${failureColor}" stroke-width="1.6"/><circle cx="{x}" cy="${legendY}" r="5" fill="none" stroke="${failureColor}"/>`,
      `inside the dying director (${r.summary.lostWithDeath})`,
    );
  }
  if (r.summary.retries) item(`<circle cx="{x}" cy="${legendY}" r="4" fill="#fff" stroke="#000"/>`, 'retried on fresh connection');
  out.push(`</g>`);
  return out.join('\n');
}

function wrap(width: number, height: number, body: string, title: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${esc(title)}</title>`,
    body,
    `</svg>`,
    '',
  ].join('\n');
}

export function timelineSvg(r: ScenarioResult, opts: TimelineOptions = {}): string {
  return wrap(panelWidth, panelHeight, timelinePanel(r, opts), titleOf(r));
}

/** two results side by side (tutorial left, hapb right) */
export function comparisonSvg(leftResult: ScenarioResult, rightResult: ScenarioResult, opts: TimelineOptions = {}): string {
  const durationMs = Math.max(leftResult.durationMs, rightResult.durationMs);
  const a = timelinePanel(leftResult, { ...opts, durationMs, idPrefix: 'l' });
  const b = timelinePanel(rightResult, { ...opts, durationMs, idPrefix: 'r' });
  const body = `${a}\n<g transform="translate(${panelWidth} 0)">\n${b}\n</g>\n<line x1="${panelWidth}" x2="${panelWidth}" y1="0" y2="${panelHeight}" stroke="#bbb"/>`;
  return wrap(panelWidth * 2, panelHeight, body, `${leftResult.scenario}: ${leftResult.profile} vs ${rightResult.profile}`);
}
