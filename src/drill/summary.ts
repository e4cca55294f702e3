/** Counts and percentiles of a record set. */
import type { LoadSummary, OutcomeKind, RequestRecord } from './types.js';

/** nearest-rank percentile of sorted numbers; 0 for none */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

export function isFailure(r: RequestRecord): boolean {
  return r.kind !== 'ok';
}

export function summarize(records: RequestRecord[]): LoadSummary {
  const byKind: Partial<Record<OutcomeKind, number>> = {};
  const byBackend: Record<string, number> = {};
  let ok = 0;
  let retries = 0;
  let lostWithDeath = 0;
  let maxStartLag = 0;
  const lat: number[] = [];
  for (const r of records) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    if (r.kind === 'ok') ok++;
    if (r.retriedAfter !== undefined) retries++;
    if (r.lostWith !== undefined && r.kind !== 'ok') lostWithDeath++;
    if (r.backend !== undefined && r.kind === 'ok') byBackend[r.backend] = (byBackend[r.backend] ?? 0) + 1;
    maxStartLag = Math.max(maxStartLag, r.started - r.scheduled);
    lat.push(r.latency);
  }
  lat.sort((a, b) => a - b);
  const sortedBackends: Record<string, number> = {};
  for (const k of Object.keys(byBackend).sort()) sortedBackends[k] = byBackend[k] ?? 0;
  return {
    total: records.length,
    ok,
    failed: records.length - ok,
    retries,
    lostWithDeath,
    byKind,
    byBackend: sortedBackends,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat[lat.length - 1] ?? 0,
    maxStartLag: Math.round(maxStartLag * 100) / 100,
  };
}

/** "3 refused, 1 reset" (failures only), or "none" */
export function describeFailures(s: LoadSummary): string {
  const parts: string[] = [];
  for (const k of ['refused', 'reset', 'timeout', 'http', 'other'] as const) {
    const n = s.byKind[k];
    if (n) parts.push(`${n} ${k}`);
  }
  return parts.length ? parts.join(', ') : 'none';
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** "0", "3 (2 reset, 1 timeout)", "1 (1 timeout; 1 inside the dying director)" */
export function failedCell(s: LoadSummary): string {
  if (s.failed === 0) return '0';
  const lost = s.lostWithDeath ? `; ${s.lostWithDeath} inside the dying director` : '';
  return `${s.failed} (${describeFailures(s)}${lost})`;
}
