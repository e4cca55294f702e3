/**
 * Active-active: the checks of `keepalived_vips`, a list of VIPs each with its
 * own VRRP instance (vip, router_id, priorities per director). Every VIP needs
 * a preferred holder (the director with its highest priority), its priorities
 * distinct, its virtual router id unique on the segment; the list is the same
 * on every director.
 */
import type { SourcePos } from '../errors/index.js';
import { formatIPv4, inSubnet, maskOf, parseCidr, parseIPv4 } from '../net/ipv4.js';

export const VIPS_VAR = 'keepalived_vips';

/** One VIP of keepalived_vips, as the checks understood it. */
export interface VipEntry {
  index: number;
  vip: string;
  address: string;
  prefix: number;
  routerId: number;
  /** director → priority */
  priorities: Map<string, number>;
  /** the director with the highest priority */
  preferred: string;
  /** the directors in descending priority */
  order: string[];
}

export interface VipsInput {
  directors: string[];
  get(host: string, key: string): unknown;
  where(host: string, key: string): SourcePos | undefined;
  error(detail: string, pos: SourcePos | undefined, hint?: string): void;
  warn(text: string): void;
  /** every host's ansible_host → host name */
  owners: Map<number, string>;
}

/** True when the directors use keepalived_vips (a non-empty list on any of them). */
export function usesVipList(directors: string[], get: (host: string, key: string) => unknown): boolean {
  return directors.some((d) => {
    const v = get(d, VIPS_VAR);
    return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== '';
  });
}

const HINT = `${VIPS_VAR}: a list of {vip: 192.168.0.150/24, router_id: 51, priorities: {lb1: 150, lb2: 100}}`;

/** Check keepalived_vips on every director; the entries that passed, for callers. */
export function checkVipList(c: VipsInput): VipEntry[] {
  const first = c.directors[0];
  if (first === undefined) return [];
  const raw = c.get(first, VIPS_VAR);
  const at = (host: string): SourcePos | undefined => c.where(host, VIPS_VAR);
  for (const d of c.directors.slice(1)) {
    if (JSON.stringify(c.get(d, VIPS_VAR)) !== JSON.stringify(raw)) {
      c.error(`directors ${first} and ${d} have different ${VIPS_VAR}`, at(d), `set ${VIPS_VAR} once, in the directors group vars`);
      return [];
    }
  }
  if (!Array.isArray(raw)) {
    c.error(`${VIPS_VAR} must be a list (got ${show(raw)})`, at(first), HINT);
    return [];
  }
  const entries: VipEntry[] = [];
  const byAddress = new Map<number, number>();
  const bySegment = new Map<string, { rid: number; index: number }[]>();
  raw.forEach((item: unknown, index) => {
    const name = `${VIPS_VAR}[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      c.error(`${name} must be a mapping with vip, router_id and priorities (got ${show(item)})`, at(first), HINT);
      return;
    }
    const e = item as Record<string, unknown>;
    const unknown = Object.keys(e).filter((k) => !['vip', 'router_id', 'priorities', 'name'].includes(k));
    if (unknown.length) c.error(`${name} has unknown keys: ${unknown.join(', ')}`, at(first), 'each VIP takes vip, router_id, priorities and name');
    const cidr = typeof e['vip'] === 'string' ? parseCidr(e['vip']) : undefined;
    if (cidr === undefined || cidr.prefix === undefined) {
      c.error(`${name}.vip must be an IPv4 address with its prefix length (got ${show(e['vip'])})`, at(first), 'for example vip: 192.168.0.150/24, in the directors\' subnet');
    }
    const rid = asInteger(e['router_id']);
    if (rid === undefined || rid < 1 || rid > 255) {
      c.error(`${name}.router_id must be a whole number from 1 to 255 (got ${show(e['router_id'])})`, at(first), 'VRRP carries the virtual router id in one byte; 0 is reserved');
    }
    const prios = new Map<string, number>();
    const pr = e['priorities'];
    if (typeof pr !== 'object' || pr === null || Array.isArray(pr) || Object.keys(pr).length === 0) {
      c.error(`${name} has no preferred holder: priorities must map directors to priorities (got ${show(pr)})`, at(first), 'for example priorities: {lb1: 150, lb2: 100}; the highest holds the VIP');
    } else {
      const seen = new Map<number, string>();
      for (const [host, value] of Object.entries(pr as Record<string, unknown>)) {
        if (!c.directors.includes(host)) {
          c.error(`${name}.priorities names ${host}, which is not a director`, at(first), `name hosts of the directors group: ${c.directors.join(', ')}`);
          continue;
        }
        const p = asInteger(value);
        if (p === undefined || p < 1 || p > 255) {
          c.error(`${name}.priorities.${host} must be a whole number from 1 to 255 (got ${show(value)})`, at(first));
          continue;
        }
        const other = seen.get(p);
        if (other !== undefined) {
          c.error(`${name}: directors ${other} and ${host} have the same priority ${p}`, at(first), 'give each director its own priority: the highest holds the VIP, the next takes it over');
          continue;
        }
        seen.set(p, host);
        prios.set(host, p);
      }
    }
    if (cidr?.prefix === undefined || rid === undefined || rid < 1 || rid > 255 || prios.size === 0) return;
    for (const host of prios.keys()) {
      const addrText = c.get(host, 'ansible_host');
      const addr = typeof addrText === 'string' ? parseIPv4(addrText) : undefined;
      if (addr !== undefined && !inSubnet(addr, cidr.value, cidr.prefix)) {
        c.error(`VIP ${String(e['vip'])} is outside the subnet of director ${host} (${String(addrText)})`, at(first), "the VIP must be in the directors' subnet, or clients cannot reach it after a move");
      }
    }
    const owner = c.owners.get(cidr.value);
    if (owner !== undefined) {
      c.error(`VIP ${cidr.address} (${name}) is the address of host ${owner}`, at(first), 'the VIP must be a free address: when it moves, the old holder would keep answering for it');
    }
    const twin = byAddress.get(cidr.value);
    if (twin !== undefined) {
      c.error(`${name} and ${VIPS_VAR}[${twin}] have the same VIP ${cidr.address}`, at(first), 'each VIP once');
      return;
    }
    byAddress.set(cidr.value, index);
    // one segment: the interface and the subnet (VRRP routers on it see each other's adverts)
    const iface = String(c.get(first, 'keepalived_interface') ?? '');
    const segment = `${iface} ${formatIPv4((cidr.value & maskOf(cidr.prefix)) >>> 0)}/${cidr.prefix}`;
    const onSegment = bySegment.get(segment) ?? [];
    const clash = onSegment.find((x) => x.rid === rid);
    if (clash) {
      c.error(`${name} and ${VIPS_VAR}[${clash.index}] use the same virtual router id ${rid} on ${segment}`, at(first), 'each VIP needs its own router_id on a segment: VRRP tells instances apart by it');
      return;
    }
    onSegment.push({ rid, index });
    bySegment.set(segment, onSegment);
    const order = [...prios.entries()].sort((a, b) => b[1] - a[1]).map(([h]) => h);
    entries.push({ index, vip: String(e['vip']), address: cidr.address, prefix: cidr.prefix, routerId: rid, priorities: prios, preferred: order[0] as string, order });
  });

  for (const d of c.directors) {
    if (c.get(d, 'keepalived_vip') !== undefined) {
      c.warn(`director ${d}: keepalived_vip is ignored, ${VIPS_VAR} is set`);
      break;
    }
  }
  if (entries.length !== raw.length) return entries;
  const idle = c.directors.filter((d) => !entries.some((e) => e.preferred === d));
  if (idle.length > 0 && entries.length >= c.directors.length) {
    c.warn(`director${idle.length > 1 ? 's' : ''} ${idle.join(', ')} preferred for no VIP although there are ${entries.length} VIPs for ${c.directors.length} directors: spread the highest priorities so that each director holds one`);
  }
  for (const e of entries) {
    if (e.order.length < 2) c.warn(`VIP ${e.address}: only ${e.preferred} has a priority, the VIP has nowhere to move`);
  }
  // a failed director's VIPs should not all land on one other director
  for (const d of c.directors) {
    const mine = entries.filter((e) => e.preferred === d);
    const next = new Set(mine.map((e) => e.order[1]).filter((x) => x !== undefined));
    if (mine.length > 1 && next.size === 1 && c.directors.length > 2) {
      c.warn(`when ${d} fails, all its VIPs (${mine.map((e) => e.address).join(', ')}) move to ${[...next][0] ?? ''}: give them different second priorities to spread them`);
    }
  }
  return entries;
}

function asInteger(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return undefined;
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}
