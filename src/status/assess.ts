/**
 * From what was read on every host to a verdict: who holds each VIP (two
 * holders: split brain), and every reason the cluster is not healthy.
 */
import type { BackendHostStatus, ClusterStatus, DirectorStatus, DriftStatus, VipStatus } from './types.js';

export interface AssessInput {
  inventory: string;
  time: string;
  directors: DirectorStatus[];
  backends: BackendHostStatus[];
  /** VIPs the inventory names (keepalived_vip, keepalived_vips, vip, vips): checked even when no keepalived reports them */
  inventoryVips: string[];
  drift?: DriftStatus;
  /** a certificate expiring within this many days is a problem */
  certWarnDays: number;
}

/** every VIP (inventory's and keepalived's), with the directors that hold it on a network interface */
export function vipStatuses(directors: DirectorStatus[], inventoryVips: string[]): VipStatus[] {
  const vips: string[] = [];
  const add = (v: string): void => {
    if (v && !vips.includes(v)) vips.push(v);
  };
  inventoryVips.forEach(add);
  for (const d of directors) for (const i of d.keepalived.instances) i.vips.forEach(add);
  return vips.map((vip) => {
    const holders = directors.filter((d) => d.addresses.includes(vip)).map((d) => d.host);
    return { vip, holders, state: holders.length === 0 ? 'none' : holders.length === 1 ? 'ok' : 'split-brain' };
  });
}

const who = (b: { host?: string; address: string; port: number }): string => `${b.host ?? b.address}${b.port === 80 ? '' : `:${b.port}`}`;

export function assess(input: AssessInput): ClusterStatus {
  const problems: string[] = [];
  const vips = vipStatuses(input.directors, input.inventoryVips);
  for (const v of vips) {
    if (v.state === 'split-brain') problems.push(`SPLIT BRAIN: ${v.holders.join(' and ')} ${v.holders.length === 2 ? 'both' : 'all'} hold VIP ${v.vip}`);
    if (v.state === 'none') problems.push(`nobody holds VIP ${v.vip}`);
  }
  for (const d of input.directors) {
    if (!d.reachable) {
      problems.push(`${d.host}: unreachable (${d.error ?? 'no answer'})`);
      continue;
    }
    if (d.error) problems.push(`${d.host}: ${d.error}`);
    const privileged = d.privileged;
    // not root: keepalived's instances and nginx -t are unknown (d.error says why), not wrong
    if (d.keepalived.active !== 'active') problems.push(`${d.host}: keepalived is ${d.keepalived.active}`);
    else if (privileged && d.keepalived.error) problems.push(`${d.host}: ${d.keepalived.error}`);
    else if (privileged && d.keepalived.instances.length === 0) problems.push(`${d.host}: keepalived runs no vrrp_instance`);
    for (const i of d.keepalived.instances) {
      if (i.state !== 'MASTER' && i.state !== 'BACKUP') problems.push(`${d.host}: vrrp_instance ${i.name} is in state ${i.state}`);
      if (i.effectivePriority < i.basePriority) problems.push(`${d.host}: vrrp_instance ${i.name} runs at priority ${i.effectivePriority}, below its ${i.basePriority} (a tracked check fails)`);
    }
    if (d.nginx.active !== 'active') problems.push(`${d.host}: nginx is ${d.nginx.active}`);
    if (privileged && !d.nginx.configValid) problems.push(`${d.host}: nginx -t fails: ${(d.nginx.configTest ?? '').split('\n').find((l) => /emerg|error|failed/.test(l)) ?? 'configuration invalid'}`);
    for (const b of d.backends) {
      if (b.state === 'down') problems.push(`${d.host}: backend ${who(b)} is down (${b.probe})`);
      else if (b.state === 'failed') problems.push(`${d.host}: backend ${who(b)} is marked failed by nginx${b.lastFailureAgo !== undefined ? ` (last failure ${Math.round(b.lastFailureAgo)} s ago)` : ''}`);
    }
    for (const c of d.certificates) {
      if (c.error) problems.push(`${d.host}: certificate ${c.path}: ${c.error}`);
      else if ((c.daysLeft ?? 0) < 0) problems.push(`${d.host}: certificate ${c.path} EXPIRED on ${c.notAfter ?? '?'}`);
      else if ((c.daysLeft ?? 0) < input.certWarnDays) problems.push(`${d.host}: certificate ${c.path} expires in ${c.daysLeft ?? 0} days (${c.notAfter ?? '?'})`);
    }
  }
  for (const b of input.backends) {
    if (!b.reachable) problems.push(`${b.host}: unreachable (${b.error ?? 'no answer'})`);
    else if (b.nginx !== 'active') problems.push(`${b.host}: nginx is ${b.nginx}`);
  }
  if (input.drift) {
    if (input.drift.error) problems.push(`drift: the check-mode converge failed: ${input.drift.error}`);
    for (const [host, changes] of Object.entries(input.drift.changes)) {
      if (changes.length > 0) problems.push(`${host}: drift: ${changes.length} task${changes.length === 1 ? '' : 's'} would change (${changes.join('; ')})`);
    }
    for (const [host, err] of Object.entries(input.drift.errors)) problems.push(`${host}: drift: ${err}`);
  }
  return {
    inventory: input.inventory,
    time: input.time,
    healthy: problems.length === 0,
    problems,
    vips,
    directors: input.directors,
    backends: input.backends,
    ...(input.drift ? { drift: input.drift } : {}),
  };
}
