/** Counts and percentiles of a record set. */
import { isTlsCode } from './loadgen/classify.js';
import type { LoadSummary, OutcomeKind, RequestRecord, TlsSummary } from './types.js';

/** nearest-rank percentile of sorted numbers; 0 for none */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

/**
 * A connect that took at least this long waited for a SYN retransmit: Linux
 * sends the first one 1 s after the SYN (TCP_TIMEOUT_INIT), and nothing else
 * makes a connect on a LAN take that long. 50 ms below 1 s for timer slack.
 */
export const SYN_RETRANSMIT_MS = 950;

/** true when the request's connect waited for a SYN retransmit (see SYN_RETRANSMIT_MS) */
export function waitedSynRetransmit(r: RequestRecord): boolean {
  return r.connected !== undefined && r.connected - r.started >= SYN_RETRANSMIT_MS;
}

/** TcpExt TCPSynRetrans from a /proc/net/netstat text; undefined when absent */
export function synRetransOf(netstat: string): number | undefined {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]?.trim().split(/\s+/) ?? [];
  const values = lines[1]?.trim().split(/\s+/) ?? [];
  const i = names.indexOf('TCPSynRetrans');
  const v = i > 0 ? Number(values[i]) : NaN;
  return Number.isInteger(v) ? v : undefined;
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
  let synRetransmitDelayed = 0;
  let over250ms = 0;
  const lat: number[] = [];
  const tls: TlsSummary = { handshakes: 0, resumed: 0, failures: 0 };
  for (const r of records) {
    if (r.tls !== undefined) tls.handshakes++;
    if (r.tls === 'resumed') tls.resumed++;
    if (r.kind !== 'ok' && isTlsCode(r.code)) tls.failures++;
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    if (r.kind === 'ok') ok++;
    if (r.retriedAfter !== undefined) retries++;
    if (r.lostWith !== undefined && r.kind !== 'ok') lostWithDeath++;
    if (r.backend !== undefined && r.kind === 'ok') byBackend[r.backend] = (byBackend[r.backend] ?? 0) + 1;
    maxStartLag = Math.max(maxStartLag, r.started - r.scheduled);
    if (waitedSynRetransmit(r)) synRetransmitDelayed++;
    if (r.latency > 250) over250ms++;
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
    synRetransmitDelayed,
    over250ms,
    ...(tls.handshakes + tls.failures > 0 ? { tls } : {}),
  };
}

/** "200 handshakes, 199 resumed, 0 TLS failures" */
export function describeTls(t: TlsSummary): string {
  return `${t.handshakes} handshakes, ${t.resumed} resumed, ${t.failures} TLS failures`;
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
