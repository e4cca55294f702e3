/**
 * Connections caught waiting for a lost segment. On a lossy link a request
 * can outlast the client's timeout for no fault of the directors: when a
 * segment of it, or of its answer, is lost, TCP resends it only when its
 * retransmission timer fires, and a lost resend doubles the wait (200 ms,
 * 400, 800, 1600: four losses of one segment are 3 s; after a retransmitted
 * SYN the first wait is 3 s, RFC 6298 5.7). No director or backend
 * configuration shortens that. Such a connection has data out that the other
 * end has not acknowledged for far longer than a round trip (ss -ti:
 * `unacked:N` with `lastsnd:` ≥ 250 ms; a LAN round trip is well under
 * 1 ms), or a timer that already doubled (`backoff:N`, N ≥ 1), at whichever
 * end sent the lost segment.
 *
 * The drill samples `ss -tin` on the lossy director and on the client while
 * the loss lasts and until the last request it touched ended, and sets apart
 * a timed-out request only when its own connection (the client's port) was
 * seen so at either end while it was in flight. A request that timed out
 * without that (a backend that did not answer, a director that did not
 * retry: its request acknowledged, its answer never sent) still counts.
 */
import type { BackoffSighting, RequestRecord } from './types.js';

export type { BackoffSighting };

/**
 * `ss -tinH` filtered to one end of the service's connections: on the server
 * (the director) its listening port is the local one, on the client the peer's.
 */
export function backoffSampleArgv(servicePort: number, side: 'server' | 'client'): string[] {
  return ['ss', '-tinH', side === 'server' ? `( sport = :${servicePort} )` : `( dport = :${servicePort} )`];
}

/** unacknowledged this long (ms since the last send), a segment was lost: a LAN round trip is well under 1 ms */
export const STALLED_MS = 250;

/**
 * The connections waiting for a lost segment in an `ss -tinH` output, by the
 * client's port: each socket is a line of addresses (`[State] Recv-Q Send-Q
 * Local Peer`) followed by an indented line of TCP details.
 */
export function parseBackoff(ssOutput: string, servicePort: number): { port: number; backoff: number; unackedMs: number }[] {
  const out: { port: number; backoff: number; unackedMs: number }[] = [];
  let ports: [number, number] | undefined;
  for (const line of ssOutput.split('\n')) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      const words = line.trim().split(/\s+/);
      const local = portOf(words[words.length - 2]);
      const peer = portOf(words[words.length - 1]);
      ports = local !== undefined && peer !== undefined ? [local, peer] : undefined;
      continue;
    }
    if (!ports) continue;
    const field = (name: string): number => Number(new RegExp(`(?:^|\\s)${name}:(\\d+)`).exec(line)?.[1] ?? 0);
    const backoff = field('backoff');
    const unackedMs = field('unacked') > 0 ? field('lastsnd') : 0;
    const [local, peer] = ports;
    // the server's socket has the service port as its local one; the client's as its peer
    const client = local === servicePort ? peer : local;
    if (backoff >= 1 || unackedMs >= STALLED_MS) out.push({ port: client, backoff, unackedMs });
    ports = undefined;
  }
  return out;
}

/** "192.168.0.150:80", "[fd00::150]:80", "*:*" → 80 / undefined */
function portOf(addr: string | undefined): number | undefined {
  const m = addr !== undefined ? /:(\d+)$/.exec(addr) : null;
  return m ? Number(m[1]) : undefined;
}

/** the sightings of this request's own connection while it was in flight */
export function backoffOf(r: RequestRecord, sightings: readonly BackoffSighting[]): BackoffSighting[] {
  if (r.port === undefined) return [];
  const end = r.started + r.latency;
  return sightings.filter((s) => s.port === r.port && s.t >= r.started && s.t <= end);
}

export interface BackoffSampler {
  exec(host: string, argv: string[]): Promise<{ rc: number; stdout: string }>;
  /** ms since t0 */
  now(): number;
  /** wait until `ms` since t0 */
  at(ms: number): Promise<void>;
  /** the lossy director (its sockets serve `servicePort`) */
  server: string;
  /** the machine the load runs from */
  client: string;
  servicePort: number;
  /** sample until this time (ms since t0) */
  untilMs: number;
  /** between samples (default 500 ms: a connection that outlasts a timeout this way sits in backoff for seconds) */
  everyMs?: number;
}

/** sample both ends until `untilMs`; a machine that cannot be read (no ss, no access) gives no sightings */
export async function sampleBackoff(o: BackoffSampler): Promise<BackoffSighting[]> {
  const every = o.everyMs ?? 500;
  const seen: BackoffSighting[] = [];
  const read = async (host: string, side: 'server' | 'client'): Promise<void> => {
    const t = o.now();
    try {
      const r = await o.exec(host, backoffSampleArgv(o.servicePort, side));
      if (r.rc !== 0) return;
      for (const x of parseBackoff(r.stdout, o.servicePort)) seen.push({ t: Math.round(t), host, ...x });
    } catch {
      // powered off or unreachable: nothing seen there
    }
  };
  for (let next = o.now(); next < o.untilMs; next += every) {
    await o.at(next);
    await Promise.all([read(o.server, 'server'), read(o.client, 'client')]);
  }
  return seen;
}

/** the port a URL's connections go to */
export function servicePortOf(url: string): number {
  const u = new URL(url);
  return u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}
