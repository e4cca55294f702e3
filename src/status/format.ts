/** `hapb status` as text for people. */
import type { BackendView, ClusterStatus } from './types.js';

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

function backendCell(b: BackendView | undefined): string {
  if (!b) return '-';
  if (b.state === 'up') return `up (${b.probe})`;
  if (b.state === 'down') return `DOWN (${b.probe}${b.markedFailed ? ', marked failed' : ''})`;
  return `FAILED (answers ${b.probe}; nginx marked it failed${b.lastFailureAgo !== undefined ? ` ${Math.round(b.lastFailureAgo)} s ago` : ''})`;
}

export function formatStatus(s: ClusterStatus): string {
  let out = `cluster ${s.inventory} at ${s.time}: ${s.healthy ? 'HEALTHY' : `DEGRADED (${s.problems.length} problem${s.problems.length === 1 ? '' : 's'})`}\n\n`;
  out += table([
    ['VIP', 'HELD BY'],
    ...s.vips.map((v) => [v.vip, v.state === 'none' ? 'NOBODY' : v.state === 'split-brain' ? `SPLIT BRAIN: ${v.holders.join(', ')}` : (v.holders[0] ?? '')]),
  ]);
  out += '\n';
  out += table([
    ['DIRECTOR', 'KEEPALIVED', 'STATE (PRIORITY effective/configured)', 'NGINX', 'CONFIG'],
    ...s.directors.map((d) =>
      d.reachable
        ? [
            d.host,
            d.keepalived.active,
            d.keepalived.instances.map((i) => `${i.name} ${i.state} (${i.effectivePriority}/${i.basePriority})`).join(', ') || (d.keepalived.error || !d.privileged ? 'unknown' : '-'),
            d.nginx.active,
            !d.privileged ? 'unknown (not root)' : d.nginx.configValid ? 'valid' : 'INVALID',
          ]
        : [d.host, 'UNREACHABLE', d.error ?? '', '', ''],
    ),
  ]);
  const reachable = s.directors.filter((d) => d.reachable);
  const keys: string[] = [];
  for (const d of reachable) for (const b of d.backends) if (!keys.includes(`${b.address}:${b.port}`)) keys.push(`${b.address}:${b.port}`);
  if (keys.length > 0) {
    out += '\n';
    out += table([
      ['BACKEND', ...reachable.map((d) => `seen from ${d.host}`)],
      ...keys.map((k) => {
        const any = reachable.flatMap((d) => d.backends).find((b) => `${b.address}:${b.port}` === k);
        return [`${any?.host ? `${any.host} ` : ''}${k}${any?.backup ? ' (backup)' : ''}`, ...reachable.map((d) => backendCell(d.backends.find((b) => `${b.address}:${b.port}` === k)))];
      }),
    ]);
  }
  if (s.backends.length > 0) {
    out += '\n';
    out += table([['WEB HOST', 'NGINX'], ...s.backends.map((b) => [b.host, b.reachable ? b.nginx : `UNREACHABLE (${b.error ?? ''})`])]);
  }
  const certs = reachable.flatMap((d) => d.certificates.map((c) => ({ d: d.host, c })));
  if (certs.length > 0) {
    out += '\n';
    out += table([['CERTIFICATE', 'ON', 'EXPIRES'], ...certs.map(({ d, c }) => [c.path, d, c.error ? `ERROR: ${c.error}` : `${c.notAfter ?? '?'} (${c.daysLeft ?? '?'} days)`])]);
  }
  out += '\n';
  if (!s.drift) out += 'drift: not checked (--no-drift)\n';
  else {
    const changed = Object.entries(s.drift.changes).filter(([, c]) => c.length > 0);
    const hosts = Object.keys(s.drift.changes).length;
    if (s.drift.error) out += `drift: check-mode converge failed: ${s.drift.error}\n`;
    else if (changed.length === 0 && Object.keys(s.drift.errors).length === 0) out += `drift: none (check-mode converge of ${s.drift.playbook}: nothing would change on ${hosts} hosts)\n`;
    else {
      out += `drift (check-mode converge of ${s.drift.playbook}):\n`;
      for (const [h, c] of changed) for (const t of c) out += `  ${h}: would change: ${t}\n`;
      for (const [h, e] of Object.entries(s.drift.errors)) out += `  ${h}: ${e}\n`;
    }
  }
  if (s.problems.length > 0) {
    out += '\nPROBLEMS\n';
    for (const p of s.problems) out += `  - ${p}\n`;
  }
  return out;
}
