/**
 * The healthy converged state a scenario starts from, and the way back to it.
 *
 * Healthy, for the profile the lab was converged to: every machine powered on,
 * no link cut, no partition; on every machine every service the converge
 * enabled (nginx, keepalived, ssh, hapb-firewall, hapb-vip-lo) active; the VIP
 * held by exactly one director, the one the profile prefers (the first in
 * VRRP priority order).
 *
 * After each scenario the drill gives the cluster a grace period to heal by
 * itself (what the profile's own restarts and preemption do is the profile's
 * merit), then repairs what is still broken and records each repair as a
 * finding of that scenario: a fault the drill made and nothing undid, or one
 * the cluster inflicted on itself (the tutorial's check script stopping
 * keepalived). Pure logic (observation → problems → findings) is separate from
 * the loop that acts, so it is unit-tested without a lab.
 */
import { systemClock, type Clock } from '../core/clock.js';
import { HapbError } from '../errors/index.js';
import type { LabControl, LabTopology } from './lab-control.js';
import type { Finding, Profile } from './types.js';
import { parseProbe, probeScript, SERVICES, wanted, type UnitFacts } from '../lab/probe.js';
import type { DrillState } from './scenarios/types.js';
import { cmd } from './scenarios/steps.js';

/** the probe is the lab's (src/lab/probe.ts): settle and the healthy start read machines alike */
export { parseProbe, probeScript, SERVICES, wanted, type UnitFacts };

export interface MachineFacts {
  host: string;
  power: 'on' | 'off';
  cut: boolean;
  /** by service name; absent for a powered-off machine */
  units: Record<string, UnitFacts>;
  /** scripts on the machine that stop keepalived themselves (the tutorial's check script does) */
  keepalivedStoppers: string[];
}

export interface ClusterFacts {
  machines: MachineFacts[];
  partitioned: boolean;
  /** directors holding the VIP */
  vipHolders: string[];
  /** active-active: the directors holding each other VIP */
  otherVips?: Record<string, string[]>;
  /**
   * what the client sees: did an HTTP GET of the VIP answer (2xx/3xx within
   * 1 s), and which machine its ARP entry for the VIP points at
   */
  client?: { answered: boolean; status: string; arpHost?: string };
}

export type Problem =
  | { kind: 'partition' }
  | { kind: 'cut'; host: string }
  | { kind: 'power'; host: string }
  | { kind: 'service'; host: string; unit: string; facts: UnitFacts }
  | { kind: 'vip'; holders: string[]; preferred: string; vip?: string }
  | { kind: 'client'; client: string; status: string; arpHost?: string; holder: string };

/** Everything that differs from the healthy state, repair order: network, power, services (nginx first), VIP last. */
export function diagnose(facts: ClusterFacts, topology: Pick<LabTopology, 'directors'> & { client?: string; vips?: LabTopology['vips'] }): Problem[] {
  const out: Problem[] = [];
  if (facts.partitioned) out.push({ kind: 'partition' });
  for (const m of facts.machines) if (m.cut) out.push({ kind: 'cut', host: m.host });
  for (const m of facts.machines) if (m.power === 'off') out.push({ kind: 'power', host: m.host });
  const order = (u: string): number => SERVICES.indexOf(u as (typeof SERVICES)[number]);
  for (const m of facts.machines) {
    if (m.power === 'off') continue;
    const names = Object.keys(m.units).sort((a, b) => order(a) - order(b));
    for (const unit of names) {
      const u = m.units[unit];
      if (u && wanted(u) && u.active !== 'active') out.push({ kind: 'service', host: m.host, unit, facts: u });
    }
  }
  const preferred = topology.directors[0];
  if (facts.vipHolders.length !== 1 || facts.vipHolders[0] !== preferred) {
    out.push({ kind: 'vip', holders: [...facts.vipHolders], preferred });
  } else if (otherVipProblems(facts, topology.vips).length > 0) {
    out.push(...otherVipProblems(facts, topology.vips));
  } else if (facts.client && !facts.client.answered) {
    // only meaningful once the VIP is where it belongs
    out.push({ kind: 'client', client: topology.client ?? 'client', status: facts.client.status, holder: preferred, ...(facts.client.arpHost ? { arpHost: facts.client.arpHost } : {}) });
  }
  return out;
}

export function problemHost(p: Problem): string {
  return p.kind === 'partition' ? 'network' : p.kind === 'vip' ? 'VIP' : p.kind === 'client' ? p.client : p.host;
}

export function describeProblem(p: Problem): string {
  switch (p.kind) {
    case 'partition':
      return 'the network is partitioned';
    case 'cut':
      return `${p.host}'s link is cut`;
    case 'power':
      return `${p.host} is powered off`;
    case 'service': {
      const how = p.facts.active === 'failed' ? `failed (${p.facts.result || 'unknown'})` : p.facts.active || 'not running';
      return `${p.unit} ${how} on ${p.host}`;
    }
    case 'client': {
      const arp = p.arpHost && p.arpHost !== p.holder ? `; its ARP entry for the VIP points at ${p.arpHost}, not ${p.holder}` : '';
      return `${p.client} gets no answer from the VIP (${p.status})${arp}`;
    }
    case 'vip': {
      const the = p.vip ? `the VIP ${p.vip}` : 'the VIP';
      return p.holders.length === 0
        ? `nobody holds ${the} (wanted: ${p.preferred})`
        : p.holders.length > 1
          ? `split brain: ${p.holders.join(' and ')} hold ${the} (wanted: ${p.preferred} alone)`
          : `${the} is on ${p.holders[0] ?? ''}, not on ${p.preferred}`;
    }
  }
}

/** did the drill make this fault itself (and leave it on purpose or by failure)? */
export function drillMade(p: Problem, state: DrillState): boolean {
  switch (p.kind) {
    case 'partition':
      return state.partitioned === true;
    case 'cut':
      return state.linkCut === p.host;
    case 'power':
      return state.poweredOff === p.host || state.secondPoweredOff === p.host;
    case 'service':
      if (p.unit === 'keepalived') return state.keepalivedDown === p.host;
      if (p.unit === 'nginx') return state.nginxDown === p.host || state.backendStopped === p.host;
      return false;
    case 'vip':
    case 'client':
      return false;
  }
}

/**
 * Why it is so, in words a reader of the report can check: what the drill did,
 * or what in the cluster did it, and that nothing undid it.
 */
export function explain(p: Problem, state: DrillState, machine: MachineFacts | undefined, profile: Profile): string {
  const byDrill = drillMade(p, state);
  if (p.kind === 'vip') return 'nothing moved it back';
  if (p.kind === 'client') {
    return p.arpHost && p.arpHost !== p.holder
      ? `${p.arpHost} announced the VIP last (gratuitous ARP) and gave it up; nobody announced it again, so the client sends to a machine that drops it until its ARP entry expires`
      : 'the VIP is on the right director, yet it does not answer';
  }
  if (byDrill) {
    switch (p.kind) {
      case 'power':
        return 'the drill powered it off; a machine stays off until powered on';
      case 'service':
        return `the drill ${p.facts.active === 'failed' ? 'killed' : 'stopped'} it; nothing in profile ${profile} started it again`;
      default:
        return 'made by the drill and left behind (a failed step)';
    }
  }
  if (p.kind === 'service' && p.unit === 'keepalived' && p.facts.active === 'inactive' && p.facts.result === 'success') {
    const script = machine?.keepalivedStoppers[0];
    if (script) return `stopped cleanly, not by the drill: ${script} (profile ${profile}'s check script) stops keepalived when nginx stays down; nothing restarts it`;
    return 'stopped cleanly, not by the drill; nothing restarts it';
  }
  if (p.kind === 'service' && p.unit === 'nginx' && state.keepalivedDown === undefined && machine?.keepalivedStoppers.length) {
    return `not by the drill alone: the check script that restarts nginx stops running with keepalived; nothing restarts it`;
  }
  return `not made by the drill; nothing in profile ${profile} undid it`;
}

export function repairOf(p: Problem): string {
  switch (p.kind) {
    case 'partition':
      return 'hapb lab heal';
    case 'cut':
      return `hapb lab uncut ${p.host}`;
    case 'power':
      return `hapb lab poweron ${p.host}`;
    case 'service':
      return `systemctl start ${p.unit} on ${p.host}`;
    case 'vip':
      return 'waited for the VIP to return';
    case 'client':
      return `ip neigh flush on ${p.client} (a real client or router keeps the entry until it expires)`;
  }
}

export function findingOf(p: Problem, state: DrillState, facts: ClusterFacts, profile: Profile): Finding {
  const machine = p.kind === 'partition' || p.kind === 'vip' || p.kind === 'client' ? undefined : facts.machines.find((m) => m.host === p.host);
  return {
    host: problemHost(p),
    problem: describeProblem(p),
    cause: drillMade(p, state) ? 'drill' : 'cluster',
    explanation: explain(p, state, machine, profile),
    repair: repairOf(p),
  };
}

/** "keepalived inactive on master (stopped cleanly, ...); repaired: systemctl start keepalived on master" */
export function findingText(f: Finding): string {
  return `${f.problem} (${f.explanation}); repaired: ${f.repair}`;
}

/** active-active: every other VIP on its own preferred director, alone */
function otherVipProblems(facts: ClusterFacts, vips: LabTopology['vips']): Problem[] {
  const out: Problem[] = [];
  for (const v of (vips ?? []).slice(1)) {
    const h = facts.otherVips?.[v.vip] ?? [];
    if (h.length !== 1 || h[0] !== v.preferred) out.push({ kind: 'vip', holders: [...h], preferred: v.preferred, vip: v.vip });
  }
  return out;
}

/** Read the cluster's facts through the lab. */
export async function observe(lab: LabControl): Promise<ClusterFacts> {
  const net = await lab.faultsInPlace();
  const hosts = [...lab.topology.directors, ...lab.topology.backends, lab.topology.client];
  const others = (lab.topology.vips ?? []).slice(1);
  // the VIPs are read while the machines are probed: each read is a command per director
  const holders = Promise.all([lab.vipHolders(), ...others.map((v) => lab.vipHolders(v.vip))]);
  holders.catch(() => undefined); // awaited below; a failure then is thrown there, not unhandled now
  const machines = await Promise.all(
    hosts.map(async (host): Promise<MachineFacts> => {
      const power = net.poweredOff.includes(host) ? 'off' : 'on';
      const cut = net.cut.includes(host);
      if (power === 'off') return { host, power, cut, units: {}, keepalivedStoppers: [] };
      const r = await lab.exec(host, ['sh', '-c', probeScript]);
      const probed = parseProbe(r.stdout);
      // a machine that does not answer is as good as off (poweron boots it again if it died)
      if (Object.keys(probed.units).length === 0) return { host, power: 'off', cut, units: {}, keepalivedStoppers: [] };
      return { host, power, cut, ...probed };
    }),
  );
  const [vipHolders = [], ...otherHolders] = await holders;
  const otherVips = others.length ? Object.fromEntries(others.map((v, i) => [v.vip, otherHolders[i] ?? []] as const)) : undefined;
  const client = machines.find((m) => m.host === lab.topology.client)?.power === 'on' ? await probeClient(lab, machines) : undefined;
  return { machines, partitioned: net.partitioned, vipHolders, ...(otherVips ? { otherVips } : {}), ...(client ? { client } : {}) };
}

/** the client's view: one GET of the VIP (1 s), and the machine its ARP entry for the VIP names */
async function probeClient(lab: LabControl, machines: MachineFacts[]): Promise<NonNullable<ClusterFacts['client']>> {
  const { client, vip, url } = lab.topology;
  const r = await lab.exec(client, ['sh', '-c', `curl -s -m 1 -o /dev/null -w '%{http_code}' ${url}; echo; ip neigh show ${vip}`]);
  const [code = '', ...rest] = r.stdout.split('\n');
  const answered = /^[23]\d\d$/.test(code.trim());
  // whose MAC the client's ARP entry names matters only when it gets no answer (a stale entry)
  const mac = answered ? undefined : /lladdr ([0-9a-f:]{17})/.exec(rest.join('\n'))?.[1];
  let arpHost: string | undefined;
  if (mac) {
    const on = lab.topology.directors.filter((host) => machines.find((m) => m.host === host)?.power === 'on');
    const macs = await Promise.all(on.map(async (host) => (await lab.exec(host, ['sh', '-c', 'cat /sys/class/net/*/address'])).stdout.split('\n')));
    arpHost = on.filter((_, i) => macs[i]?.includes(mac)).pop();
  }
  const status = answered ? code.trim() : code.trim() === '000' || code.trim() === '' ? 'no answer within 1 s' : `HTTP ${code.trim()}`;
  return { answered, status, ...(arpHost ? { arpHost } : {}) };
}

export interface HealOptions {
  /** how long the cluster gets to heal by itself before the drill repairs (ms) */
  graceMs?: number;
  /** after the repairs, how long the VIP gets to reach the preferred director (ms) */
  vipMs?: number;
  /** how long the healthy state must hold before a scenario starts (ms) */
  stableMs?: number;
  pollMs?: number;
  step?(label: string): void;
  /** the time the waits run on (default: the system's) */
  clock?: Clock;
}

async function repair(lab: LabControl, p: Problem): Promise<void> {
  switch (p.kind) {
    case 'partition':
      return lab.heal();
    case 'cut':
      await lab.uncut(p.host);
      return;
    case 'power':
      return lab.poweron(p.host);
    case 'service': {
      const argv = p.unit === 'nginx' ? [...cmd.startNginx] : ['sh', '-c', `systemctl reset-failed ${p.unit}.service 2>/dev/null; systemctl start ${p.unit}.service`];
      const r = await lab.exec(p.host, argv);
      if (r.rc !== 0) throw new HapbError(`${p.host}: starting ${p.unit} failed (rc ${r.rc})`, { hint: (r.stderr || r.stdout).trim().slice(0, 400) });
      return;
    }
    case 'client': {
      await lab.exec(p.client, ['ip', 'neigh', 'flush', 'to', lab.topology.vip]);
      return;
    }
    case 'vip':
      return;
  }
}

function clearDrillState(state: DrillState): void {
  for (const k of Object.keys(state) as (keyof DrillState)[]) delete state[k];
}

async function until(clock: Clock, ms: number, pollMs: number, probe: () => Promise<Problem[]>, first?: Problem[]): Promise<Problem[]> {
  const end = clock.now() + ms;
  let problems = first ?? (await probe());
  while (problems.length > 0 && clock.now() < end) {
    await clock.sleep(pollMs);
    problems = await probe();
  }
  return problems;
}

/**
 * Faults the drill made that nothing in either profile undoes: a machine it
 * powered off, a link it cut, the partition, a backend's nginx it stopped
 * (a clean stop; no restart policy or check script acts on a backend).
 */
export function lastingDrillFault(p: Problem, state: DrillState): boolean {
  if (!drillMade(p, state)) return false;
  if (p.kind === 'power' || p.kind === 'cut' || p.kind === 'partition') return true;
  return p.kind === 'service' && p.unit === 'nginx' && state.backendStopped === p.host && p.facts.active === 'inactive';
}

/**
 * Every problem is such a fault, or the VIP away from a preferred director the
 * drill powered off or cut (it cannot come back before the repair). Then the
 * grace period has nothing to wait for; anything else (a killed service that
 * a restart policy may bring back, a VIP moving back by itself) gets it.
 */
export function onlyLastingDrillFaults(problems: Problem[], state: DrillState): boolean {
  return problems.every((p) =>
    p.kind === 'vip' ? problems.some((q) => (q.kind === 'power' || q.kind === 'cut') && q.host === p.preferred && lastingDrillFault(q, state)) : lastingDrillFault(p, state),
  );
}

/**
 * Bring the cluster to its healthy state and verify it; returns what had to be
 * repaired (empty when it was healthy, or healed itself within the grace
 * period). Throws when it cannot be made healthy. Clears the drill state:
 * nothing a scenario left is carried into the next one.
 */
export async function ensureHealthy(lab: LabControl, profile: Profile, state: DrillState, opts: HealOptions = {}): Promise<Finding[]> {
  const graceMs = opts.graceMs ?? 10_000;
  const vipMs = opts.vipMs ?? 20_000;
  // two looks at the VIP 500 ms apart (as the soak): a VIP that moves later is a
  // stray move, which the next scenario's verdicts report
  const stableMs = opts.stableMs ?? 1000;
  const pollMs = opts.pollMs ?? 500;
  const clock = opts.clock ?? systemClock;
  let facts: ClusterFacts = { machines: [], partitioned: false, vipHolders: [] };
  const probe = async (): Promise<Problem[]> => {
    facts = await observe(lab);
    return diagnose(facts, lab.topology);
  };
  opts.step?.('checking the cluster is healthy');
  const graceFrom = clock.now();
  const first = await probe();
  // nothing heals by itself a fault the drill made and left in place: no grace to wait out
  const left =
    first.length === 0 || onlyLastingDrillFaults(first, state) ? first : await until(clock, graceMs - (clock.now() - graceFrom), pollMs, probe, first);
  const findings: Finding[] = [];
  if (left.length > 0) {
    opts.step?.(`repairing: ${left.map(describeProblem).join('; ')}`);
    const seen = facts;
    const vip = left.find((p) => p.kind === 'vip');
    const others = left.filter((p) => p.kind !== 'vip' && p.kind !== 'client');
    for (const p of others) {
      findings.push(findingOf(p, state, seen, profile));
      await repair(lab, p);
    }
    const repairedAt = clock.now();
    const notClient = async (): Promise<Problem[]> => (await probe()).filter((p) => p.kind !== 'client');
    let after = others.length > 0 ? await until(clock, vipMs, pollMs, notClient) : left.filter((p) => p.kind !== 'client');
    if (vip) {
      const f = findingOf(vip, state, seen, profile);
      f.explanation = others.length ? 'a consequence of the faults above' : `no director moved it back to ${vip.kind === 'vip' ? vip.preferred : ''}`;
      // a consequence shares the cause of what it follows from
      if (others.length && others.every((p) => drillMade(p, state))) f.cause = 'drill';
      const still = after.find((p) => p.kind === 'vip');
      const elsewhere = still ? still.holders.filter((h) => h !== still.preferred) : [];
      if (still && elsewhere.length > 0 && after.every((p) => p.kind === 'vip')) {
        // everything else is healthy and the VIP still sits elsewhere: make it move
        for (const h of elsewhere) await lab.exec(h, [...cmd.restartKeepalived]);
        after = await until(clock, vipMs, pollMs, notClient);
        f.repair = `restarted keepalived on ${elsewhere.join(' and ')} so that ${still.preferred} takes the VIP`;
      } else if (!still) {
        f.repair = others.length
          ? `none: back on ${vip.kind === 'vip' ? vip.preferred : ''} ${((clock.now() - repairedAt) / 1000).toFixed(1)} s after the repairs above`
          : 'none';
      }
      findings.push(f);
    }
    if (after.length === 0) {
      // the cluster is right; does the client reach it?
      const stale = (await probe()).find((p) => p.kind === 'client');
      if (stale) {
        findings.push(findingOf(stale, state, facts, profile));
        await repair(lab, stale);
        after = await until(clock, 5000, pollMs, probe);
      }
    }
    if (after.length > 0) {
      throw new HapbError(`the cluster is not healthy after repairs: ${after.map(describeProblem).join('; ')}`, {
        hint: `look with: hapb lab status --name ${lab.name}`,
      });
    }
  }
  clearDrillState(state);
  // the healthy state must hold: a VIP that flaps, or a service that dies again, is no start
  const end = clock.now() + stableMs;
  while (clock.now() < end) {
    await clock.sleep(Math.min(pollMs, Math.max(0, end - clock.now())));
    const wanted = lab.topology.vips ?? [{ vip: lab.topology.vip, preferred: lab.topology.directors[0] }];
    for (const v of wanted) {
      const holders = await lab.vipHolders(v.vip);
      if (holders.length !== 1 || holders[0] !== v.preferred) {
        throw new HapbError(`the VIP ${v.vip} did not stay on ${v.preferred} (holders: ${holders.join(', ') || 'none'})`, {
          hint: `look with: hapb lab status --name ${lab.name}`,
        });
      }
    }
  }
  const final = diagnose(await observe(lab), lab.topology);
  if (final.length > 0) {
    throw new HapbError(`the cluster is not healthy: ${final.map(describeProblem).join('; ')}`, { hint: `look with: hapb lab status --name ${lab.name}` });
  }
  return findings;
}
