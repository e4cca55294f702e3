/**
 * The scenarios a real host survives (issue 15): the catalog's that need no
 * lab (nginx killed, a backend's web server stopped and started, keepalived
 * killed, the directors' VRRP partitioned, a converge under load), and the
 * faults that are not clean deaths: nginx stopped or hung, keepalived
 * stopped, a backend that answers 500/502 or answers slowly, a lossy link.
 *
 * The new ones make their faults through `makeFault`: on a ClusterControl
 * (SSH) that arms the dead-man timer first; on a lab (LabControl over
 * nsenter) it runs the same shell in the machine.
 */
import { lostWithDeathReport, maxLatencyWithin, noFailedRequests, splitBrain, targets, vipHeldAtEnd, vipMovedWithin } from '../assertions.js';
import { ExitCode, HapbError } from '../../errors/index.js';
import type { LabControl } from '../lab-control.js';
import { scenarios as catalog } from '../scenarios/catalog.js';
import { fact, factNum, restoreHealthy } from '../scenarios/catalog.js';
import type { Scenario, ScenarioContext, VerdictInput } from '../scenarios/types.js';
import { waitedSynRetransmit } from '../summary.js';
import { backoffOf, sampleBackoff, servicePortOf } from '../tcp-backoff.js';
import type { BackoffSighting, RequestRecord, Verdict } from '../types.js';
import { ClusterControl } from './control.js';
import { faultShell, type FaultArgs, type FaultKind } from './faults.js';

const faultAt = 2000;

export interface MadeFault {
  /** the epoch ms printed by the inject (nginx killed/hung), if any */
  stamp?: number;
  undo(): Promise<void>;
}

/** make a listed fault on a ClusterControl (dead-man armed) or on a lab machine */
export async function makeFault(lab: LabControl, kind: FaultKind, args: FaultArgs): Promise<MadeFault> {
  const stampOf = (out: string): number | undefined => {
    const last = out.trim().split('\n').pop() ?? '';
    return /^\d{13}$/.test(last) ? Number(last) : undefined;
  };
  if (lab instanceof ClusterControl) {
    const r = await lab.fault(kind, args);
    const stamp = stampOf(r.stdout);
    return { ...(stamp !== undefined ? { stamp } : {}), undo: async () => void (await lab.undoFault(r.fault)) };
  }
  const shell = faultShell(kind, args);
  const r = await lab.exec(args.host, ['sh', '-c', shell.inject]);
  if (r.rc !== 0) {
    await lab.exec(args.host, ['sh', '-c', shell.undo]);
    throw new Error(`${args.host}: ${shell.label} failed (rc ${r.rc}): ${(r.stderr || r.stdout).trim().slice(-300)}`);
  }
  const stamp = stampOf(r.stdout);
  return { ...(stamp !== undefined ? { stamp } : {}), undo: async () => void (await lab.exec(args.host, ['sh', '-c', shell.undo])) };
}

function latency(i: VerdictInput, informational?: string): Verdict[] {
  return i.windows.map((w) => ({
    ...maxLatencyWithin(i.records, w),
    description: `slowest request: ${w.label}${informational ? ` (${informational})` : ''}`,
    ...(informational ? { informational: true } : {}),
  }));
}

function firstBackend(lab: LabControl): string {
  const b = lab.topology.backends[0];
  if (!b) throw new Error('no backends');
  return b;
}

/**
 * A fault held for `holdMs` on the VIP holder (or the first backend), then
 * undone; the load runs `holdMs + 8 s` so the picture shows the way back.
 */
function held(
  name: string,
  description: string,
  kind: FaultKind,
  on: 'holder' | 'backend',
  holdMs: number,
  verdicts: (i: VerdictInput) => Verdict[],
  args: Omit<FaultArgs, 'host'> = {},
): Scenario {
  const durationMs = faultAt + holdMs + 8000;
  return {
    name,
    description,
    durationMs,
    prepare: restoreHealthy,
    run: async (ctx: ScenarioContext) => {
      await ctx.at(faultAt);
      const host = on === 'holder' ? await ctx.vipHolder() : firstBackend(ctx.lab);
      ctx.facts.host = host;
      const from = ctx.now();
      const t = ctx.mark('fault', faultShell(kind, { host, ...args }).label);
      ctx.facts.faultT = t;
      const made = await makeFault(ctx.lab, kind, { host, ...args });
      // a lossy director: which connections TCP itself held up, until the last request the loss touched ended
      const sampling =
        kind === 'lossy-link' && on === 'holder'
          ? sampleBackoff({ exec: (h, argv) => ctx.lab.exec(h, argv), now: ctx.now, at: ctx.at, server: host, client: ctx.lab.topology.client, servicePort: servicePortOf(ctx.lab.topology.url), untilMs: durationMs - 500 })
          : undefined;
      if (kind === 'nginx-stopped' && on === 'holder') ctx.died(host, 'nginx stopped', from, made.stamp);
      if (kind === 'nginx-hung' && on === 'holder') ctx.died(host, 'nginx hung', from, made.stamp, { untilVipTaken: true });
      ctx.window(t, t + holdMs + 3000, faultShell(kind, { host, ...args }).label);
      try {
        await ctx.at(faultAt + holdMs);
      } finally {
        await made.undo();
      }
      ctx.mark('recover', `${kind} undone on ${host}`);
      if (sampling) ctx.sawBackoff(await sampling);
    },
    verdicts,
  };
}

/**
 * On a lossy link: the failed-requests verdict leaves out the timeouts TCP
 * itself held up, and reports them apart:
 * - the connection needed a SYN retransmit: after it the client's TCP starts
 *   data with a 3 s RTO (RFC 6298 5.7), so one more lost segment of the
 *   request or its ACKs takes it past the client's timeout;
 * - the request's own connection was seen waiting for a lost segment (data
 *   unacknowledged long after its last send, or a retransmission timer that
 *   already doubled), on the lossy director or on the client, while it was in
 *   flight (src/drill/tcp-backoff.ts).
 * No director or backend configuration can shorten either.
 */
export function lossPhysics(r: RequestRecord, tcpBackoff: readonly BackoffSighting[]): boolean {
  return r.kind === 'timeout' && (waitedSynRetransmit(r) || backoffOf(r, tcpBackoff).length > 0);
}

/** the informational verdict listing the timeouts lossPhysics set apart (a lossy scenario, a soak with a lossy fault) */
export function lossyTcpTimeoutsVerdict(apart: readonly RequestRecord[]): Verdict {
  return {
    id: 'lossy-tcp-timeouts',
    description: 'timeouts TCP held up on a lossy link: after a retransmitted SYN (then a 3 s RTO for data, RFC 6298 5.7), or on a connection seen waiting for a lost segment; out of reach of any configuration',
    target: 'reported',
    actual: apart.length === 0 ? '0' : `${apart.length}: ${apart.slice(0, 5).map((r) => `#${r.seq}`).join(', ')}${apart.length > 5 ? ', …' : ''}`,
    pass: true,
    informational: true,
  };
}

function lossyVerdicts(records: RequestRecord[], tcpBackoff: readonly BackoffSighting[]): Verdict[] {
  const physics = (r: RequestRecord): boolean => lossPhysics(r, tcpBackoff);
  return [noFailedRequests(records.filter((r) => !physics(r))), lossyTcpTimeoutsVerdict(records.filter(physics))];
}

const physical = {
  loss: 'a lost SYN or SYN-ACK is resent by the client\'s or the server\'s TCP after its 1 s initial RTO (RFC 6298), 3 s when lost twice: no director or backend configuration shortens that',
  slow: 'the first request a director sends to the slow backend waits its proxy_read_timeout before nginx marks the backend failed and retries on the other one',
};

export const gamedayScenarios: readonly Scenario[] = [
  held('lb-nginx-stopped', 'nginx on the VIP holder stopped cleanly (systemctl stop) for 6 s, then started', 'nginx-stopped', 'holder', 6000, (i) => [
    noFailedRequests(i.records),
    lostWithDeathReport(i.records),
    ...latency(i),
    vipHeldAtEnd(i.events, i.durationMs),
  ]),
  held('keepalived-stopped', 'keepalived on the VIP holder stopped cleanly for 6 s, then started', 'keepalived-stopped', 'holder', 6000, (i) => [
    noFailedRequests(i.records),
    ...latency(i),
    splitBrain(i.events, i.durationMs),
    vipHeldAtEnd(i.events, i.durationMs),
  ]),
  held('lb-nginx-hung', 'nginx on the VIP holder hung, not dead (SIGSTOP) for 6 s, then SIGCONT', 'nginx-hung', 'holder', 6000, (i) => [
    noFailedRequests(i.records),
    // the requests its kernel accepted for the frozen nginx until the VIP left it: reported
    // apart, bounded by the detection time judged here (a hang cannot be told from a slow
    // answer before the watcher's probe timeout; profile hapb: keepalived_nginx_watch)
    lostWithDeathReport(i.records),
    { ...vipMovedWithin(i.events, factNum(i, 'faultT', faultAt), fact(i, 'host'), targets.hungDetectMs), description: `hung nginx told apart: VIP moved away from ${fact(i, 'host')}` },
    ...latency(i),
    splitBrain(i.events, i.durationMs),
    vipHeldAtEnd(i.events, i.durationMs),
  ]),
  held('backend-broken', 'the first backend answers every request 500 or 502 (port open) for 8 s', 'backend-broken', 'backend', 8000, (i) => [
    noFailedRequests(i.records),
    ...latency(i),
  ]),
  held('backend-slow', 'the first backend answers every request 2 s late for 8 s', 'backend-slow', 'backend', 8000, (i) => [noFailedRequests(i.records), ...latency(i, physical.slow)], { delaySeconds: 2 }),
  held('lb-lossy', '5 % packet loss each way on the VIP holder for 10 s (SSH spared)', 'lossy-link', 'holder', 10_000, (i) => [
    ...lossyVerdicts(i.records, i.tcpBackoff),
    ...latency(i, physical.loss),
    vipHeldAtEnd(i.events, i.durationMs),
  ], { lossPercent: 5 }),
  held('backend-lossy', '5 % packet loss each way on the first backend for 10 s (SSH spared)', 'lossy-link', 'backend', 10_000, (i) => [
    ...lossyVerdicts(i.records, i.tcpBackoff),
    ...latency(i, physical.loss),
  ], { lossPercent: 5 }),
];

/** the catalog's scenarios a real host can take (no power, no cable) */
export const REAL_HOST_CATALOG = ['baseline', 'lb-nginx-killed', 'lb-recover', 'backend-stopped', 'backend-started', 'keepalived-killed', 'lb-partition', 'converge-under-load'] as const;

export const realHostScenarios: readonly Scenario[] = [
  ...catalog.filter((s) => (REAL_HOST_CATALOG as readonly string[]).includes(s.name)),
  ...gamedayScenarios,
];

/** plans of the real-host drill */
export const gamedayPlans: Readonly<Record<string, readonly string[]>> = {
  /** the issue's list: nginx killed or stopped, keepalived killed or stopped, a backend stopped, VRRP blocked, a converge under load */
  'real-host': ['baseline', 'lb-nginx-killed', 'lb-recover', 'lb-nginx-stopped', 'keepalived-killed', 'keepalived-stopped', 'backend-stopped', 'backend-started', 'lb-partition', 'converge-under-load'],
  /** faults that are not clean deaths */
  'new-faults': gamedayScenarios.map((s) => s.name),
  all: realHostScenarios.map((s) => s.name),
};

export function resolveGameday(names: string[]): Scenario[] {
  const wanted = names.length === 0 ? ['real-host'] : names;
  const out: Scenario[] = [];
  for (const n of wanted) {
    const plan = gamedayPlans[n];
    const list = plan ?? [n];
    for (const s of list) {
      const sc = realHostScenarios.find((x) => x.name === s);
      if (!sc) {
        const lab = catalog.find((x) => x.name === s);
        throw new HapbError(
          lab ? `scenario ${s} needs a lab (power or cable): run it with hapb drill --name LAB` : `unknown scenario ${s}; real-host scenarios: ${realHostScenarios.map((x) => x.name).join(', ')}; plans: ${Object.keys(gamedayPlans).join(', ')}`,
          { exitCode: ExitCode.invalidInput },
        );
      }
      out.push(sc);
    }
  }
  return out;
}
