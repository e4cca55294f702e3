/**
 * The load generator's stdout: one JSON object per line. The drill reads it
 * from the client machine through nsenter; tests read it the same way.
 */
import type { LoadOptions, RequestRecord } from '../types.js';

export type LoadLine =
  | { type: 'start'; t0Epoch: number; options: LoadOptions; planned: number }
  | ({ type: 'req' } & RequestRecord)
  | { type: 'end'; sent: number; stoppedEarly: boolean; stopReason?: string };

/** Parse one line; undefined for a blank or foreign line (never throws). */
export function parseLoadLine(line: string): LoadLine | undefined {
  const s = line.trim();
  if (!s.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    if (v !== null && typeof v === 'object' && 'type' in v) {
      const t = (v as { type: unknown }).type;
      if (t === 'start' || t === 'req' || t === 'end') return v as LoadLine;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Turn LoadOptions into the generator's command-line arguments. */
export function loadArgs(opts: LoadOptions, extra: { watchStdin?: boolean } = {}): string[] {
  const args = [
    ...(opts.urls && opts.urls.length > 1 ? opts.urls.flatMap((u) => ['--url', u]) : ['--url', opts.url]),
    '--rate', String(opts.rate),
    '--timeout-ms', String(opts.timeoutMs),
    '--duration-ms', String(opts.durationMs),
    '--keepalive', String(opts.keepalive),
  ];
  if (opts.count !== undefined) args.push('--count', String(opts.count));
  if (opts.ca !== undefined) args.push('--ca', opts.ca);
  if (extra.watchStdin) args.push('--watch-stdin');
  return args;
}
