/**
 * Data of a drill: every request the load generator made, the timeline of
 * faults and VIP moves, and the verdicts. Times are milliseconds relative to
 * the start of the load (t0), so one scenario's records and events share an axis.
 */
import type { Profile } from '../lab/types.js';

/** the configuration profiles: the lab's type (src/lab/types.ts) */
export type { Profile };

/** How a request ended. `ok` is a 2xx/3xx answer; everything else is a failure. */
export type OutcomeKind = 'ok' | 'http' | 'refused' | 'reset' | 'timeout' | 'other';

export const failureKinds: readonly OutcomeKind[] = ['http', 'refused', 'reset', 'timeout', 'other'];

/** one connection seen waiting for a lost segment (src/drill/tcp-backoff.ts) */
export interface BackoffSighting {
  /** when the sample was taken, ms since t0 */
  t: number;
  /** the client's port of the connection */
  port: number;
  /** the machine whose socket it was (the director or the client) */
  host: string;
  /** ss's backoff: how many times the retransmission timer had doubled */
  backoff: number;
  /** ms its unacknowledged data had waited since the last send (0: none unacknowledged) */
  unackedMs: number;
}

export interface RequestRecord {
  /** sequence number, 0-based, in schedule order */
  seq: number;
  /** when the open-loop schedule wanted the request to start (ms since t0) */
  scheduled: number;
  /** when it actually started (ms since t0); late starts show a saturated client */
  started: number;
  /** start to end (answer fully read, error or timeout), ms */
  latency: number;
  kind: OutcomeKind;
  /** HTTP status when an answer came */
  status?: number;
  /** error code when `kind` is not ok/http: ECONNREFUSED, ECONNRESET, UND_ERR_... */
  code?: string;
  /** backend that answered, from the X-Backend header or the page (e.g. `web1`) */
  backend?: string;
  /**
   * keep-alive mode only: a reused connection died before any response byte and
   * the request was sent again once on a fresh connection (as browsers do). The
   * record's outcome is the retry's; this holds the first attempt's error code.
   */
  retriedAfter?: string;
  /**
   * when the TCP connection this request was (last) sent on had been
   * established (ms since t0); absent when no connection was made
   */
  connected?: number;
  /** when its request head was written to that connection (ms since t0) */
  sent?: number;
  /**
   * HTTPS: the connection was made for this request and its TLS handshake was
   * `full` or `resumed` (a session ticket or id accepted); absent when the
   * request went on a connection made earlier (keep-alive) or none was made
   */
  tls?: 'full' | 'resumed';
  /**
   * set by the drill on a failed request whose connection lived on this host
   * when its connection state died there (nginx killed, power lost, link cut):
   * the request was already inside the dying director; see `lostWithDeath`
   */
  lostWith?: string;
  /** several VIPs (active-active): the VIP this request went to */
  vip?: string;
  /**
   * a failed request, or one that took 1 s or more: the client's TCP port of
   * the connection it was (last) sent on, to find that connection in `ss`
   * samples (src/drill/tcp-backoff.ts)
   */
  port?: number;
}

/**
 * The instant a director lost the state of every connection it held: its
 * nginx was killed, it lost power, its link was cut. `t` is an upper bound
 * (taken just after the fault was done), ms since t0.
 */
export interface Death {
  /** just before the fault was made (ms since t0) */
  from: number;
  t: number;
  host: string;
  what: string;
  /**
   * a hang, not a death: the director's kernel goes on accepting connections
   * for the frozen process until another director takes the VIP, so every
   * connection made to it until then is inside the frozen process too (see deaths.ts)
   */
  untilVipTaken?: boolean;
}

export type TimelineKind = 'fault' | 'recover' | 'vip' | 'note';

export interface TimelineEvent {
  /** ms since t0 */
  t: number;
  kind: TimelineKind;
  /** short label for the picture: "nginx killed on lb1" */
  label: string;
  /** for `vip`: directors holding the VIP after the change (empty: nobody; 2: split brain) */
  holders?: string[];
  /** for `vip`: holders before the change */
  from?: string[];
  /** for `vip` with several VIPs (active-active): which VIP */
  vip?: string;
}

/** One assertion of a scenario, with its target and what was measured. */
export interface Verdict {
  id: string;
  description: string;
  /** what was wanted, in words: "0", "≤ 0.5 s", "lb2" */
  target: string;
  /** what was measured, in words */
  actual: string;
  pass: boolean;
  /** informational verdicts are reported but never fail the drill */
  informational?: boolean;
}


export interface LoadOptions {
  url: string;
  /** several VIPs (active-active): every URL, `url` first; requests go round them as DNS round robin would */
  urls?: string[];
  /** requests per second, open loop */
  rate: number;
  /** per-request timeout, ms */
  timeoutMs: number;
  /** stop after this many ms of schedule */
  durationMs: number;
  /** stop after this many requests (default: rate × duration) */
  count?: number;
  /** N persistent connections instead of a new connection per request; 0 = off */
  keepalive: number;
  /** HTTPS: a PEM file of the CA to trust (the lab's CA) instead of the system's */
  ca?: string;
}

/** HTTPS counts of a record set */
export interface TlsSummary {
  /** TLS handshakes (one per new connection) */
  handshakes: number;
  /** of them, resumed sessions (ticket or session id accepted) */
  resumed: number;
  /** requests that failed in TLS: handshake, certificate, protocol (kind `other`, code ERR_TLS_*, ERR_SSL_*, a certificate error) */
  failures: number;
}

export interface LoadSummary {
  total: number;
  ok: number;
  failed: number;
  /** keep-alive retries that then succeeded or failed (they are not failures by themselves) */
  retries: number;
  /**
   * failed requests whose connection lived on a director at the instant it
   * died (`RequestRecord.lostWith`): no director configuration can answer them
   * (the request and the TCP state were in the dead process or machine; the
   * client does not retry). Included in `failed`.
   */
  lostWithDeath: number;
  byKind: Partial<Record<OutcomeKind, number>>;
  byBackend: Record<string, number>;
  /** latency percentiles of all requests, ms */
  p50: number;
  p99: number;
  max: number;
  /** the largest gap between scheduled and actual start, ms */
  maxStartLag: number;
  /**
   * requests whose connect took a SYN retransmit (`connected - started` ≥
   * SYN_RETRANSMIT_MS): their first SYN got no answer (sent to a director
   * that was dying or had just lost the VIP, or dropped by its firewall) and
   * the client's kernel sent it again about 1 s later. Counted whether they
   * then succeeded or not.
   */
  synRetransmitDelayed: number;
  /** requests slower than 250 ms (failed ones included) */
  over250ms: number;
  /** HTTPS only: handshakes, resumed sessions, TLS failures */
  tls?: TlsSummary;
}

/**
 * Something a scenario left broken that the drill had to repair before the
 * next one (mode healthy-start): a fault the drill made that nothing undid, or
 * one the cluster inflicted on itself.
 */
export interface Finding {
  /** the machine, or "network" / "VIP" */
  host: string;
  /** what was wrong: "keepalived inactive on master" */
  problem: string;
  /** drill: the drill made the fault; cluster: the cluster did it to itself or did not recover */
  cause: 'drill' | 'cluster';
  /** why, as far as the drill can tell: "stopped cleanly, not by the drill: /etc/keepalived/check_nginx.sh ..." */
  explanation: string;
  /** what the drill did about it */
  repair: string;
}

/**
 * healthy-start: before each scenario the cluster is brought back to the
 * healthy converged state of the profile (and what had to be repaired is a
 * finding of the scenario before); carry-over: each scenario starts from what
 * the previous one left (only the drill's own faults are undone).
 */
export type DrillMode = 'healthy-start' | 'carry-over';

export interface ScenarioResult {
  scenario: string;
  profile: Profile;
  description: string;
  /** epoch ms of t0, for humans and for lining up logs */
  t0Epoch: number;
  /** length of the load, ms */
  durationMs: number;
  load: Omit<LoadOptions, 'url'> & { url: string };
  records: RequestRecord[];
  events: TimelineEvent[];
  /** directors whose connections died, and when (see Death) */
  deaths: Death[];
  /** failover window(s) that the latency assertion looked at, ms since t0 */
  windows: { from: number; to: number; label: string }[];
  summary: LoadSummary;
  verdicts: Verdict[];
  /** true when every non-informational verdict passed */
  pass: boolean;
  /** a scenario that could not run (lab error) carries the reason */
  error?: string;
  /**
   * SYNs the client's kernel sent again during the load (TcpExt
   * TCPSynRetrans of its /proc/net/netstat, after minus before): each is a
   * connect that waited about 1 s (or longer) for an answer. Read from the
   * kernel, so it holds even when the load generator was too busy to time its
   * connects; absent when it could not be read.
   */
  clientSynRetransmits?: number;
  /**
   * a lossy link on a director: the connections seen waiting for a lost
   * segment there or on the client, sampled while the loss and its requests
   * lasted (src/drill/tcp-backoff.ts)
   */
  tcpBackoff?: BackoffSighting[];
  /** healthy-start mode: what this scenario left broken, repaired before the next one (empty: nothing) */
  findings?: Finding[];
}

export interface DrillReport {
  /** JSON schema id, see src/drill/report.schema.json */
  schema: 'hapb-drill/1';
  lab: string;
  startedAt: string;
  profiles: Profile[];
  mode: DrillMode;
  /** healthy-start mode: repairs needed after a profile's converge, before its first scenario */
  setup?: { profile: Profile; findings: Finding[] }[];
  results: ScenarioResult[];
  pass: boolean;
}
