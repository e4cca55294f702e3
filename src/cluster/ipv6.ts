/**
 * IPv6 (dual-stack): the checks of `ipv6_address` (any host), `keepalived_vip6`
 * (the directors' IPv6 VIP, moving with keepalived_vip) and
 * `nginx_director_backend_ipv6` (the directors reach the backends at their
 * ipv6_address). Each mistake is one error at the variable's file:line.
 */
import type { SourcePos } from '../errors/index.js';
import { parseBoolean } from '../core/bool.js';
import { inSubnet6, parseCidr6, parseIPv6, specialIPv6 } from '../net/ipv6.js';

export const Ipv6Vars = {
  address: 'ipv6_address',
  vip: 'keepalived_vip6',
  backendIpv6: 'nginx_director_backend_ipv6',
  listenIpv6: 'nginx_director_ipv6',
} as const;

export interface Ipv6Input {
  hosts: string[];
  directors: string[];
  web: string[];
  /** keepalived_vips in use (active-active) */
  multi: boolean;
  get(host: string, key: string): unknown;
  where(host: string, key: string): SourcePos | undefined;
  error(detail: string, pos: SourcePos | undefined, hint?: string): void;
}

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));
const set = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

export function checkIpv6(c: Ipv6Input): void {
  const A = Ipv6Vars.address;
  // every host's own IPv6 address: plain address, usable, unique
  const owners = new Map<bigint, string>();
  const addrOf = new Map<string, bigint>();
  for (const h of c.hosts) {
    const v = c.get(h, A);
    if (!set(v)) continue;
    const value = typeof v === 'string' ? parseIPv6(v) : undefined;
    const special = value === undefined ? undefined : specialIPv6(value);
    if (value === undefined || special) {
      c.error(
        `host ${h}: ${A} must be an IPv6 address without prefix length${special ? `, not ${special}` : ''} (got ${show(v)})`,
        c.where(h, A),
        `for example ${A}: fd00::192:168:0:40`,
      );
      continue;
    }
    const other = owners.get(value);
    if (other !== undefined) {
      c.error(`hosts ${other} and ${h} have the same ${A} ${String(v)}`, c.where(h, A), `every host needs its own ${A}`);
      continue;
    }
    owners.set(value, h);
    addrOf.set(h, value);
  }

  // the IPv6 VIP
  const first = c.directors[0];
  for (const d of c.directors) {
    const v = c.get(d, Ipv6Vars.vip);
    if (!set(v)) continue;
    const at = c.where(d, Ipv6Vars.vip);
    if (c.multi) {
      c.error(`director ${d}: ${Ipv6Vars.vip} is for the one-VIP setup, not with keepalived_vips`, at, `remove ${Ipv6Vars.vip}, or use keepalived_vip instead of keepalived_vips`);
      continue;
    }
    const vip = typeof v === 'string' ? parseCidr6(v) : undefined;
    const special = vip === undefined ? undefined : specialIPv6(vip.value);
    if (vip === undefined || vip.prefix === undefined || special) {
      c.error(
        `director ${d}: ${Ipv6Vars.vip} must be an IPv6 address with its prefix length${special ? `, not ${special}` : ''} (got ${show(v)})`,
        at,
        `for example ${Ipv6Vars.vip}: fd00::192:168:0:150/64, in the directors' IPv6 subnet`,
      );
      continue;
    }
    if (first !== undefined && d !== first && JSON.stringify(c.get(first, Ipv6Vars.vip)) !== JSON.stringify(v)) {
      c.error(`directors ${first} and ${d} have different IPv6 VIPs (${show(c.get(first, Ipv6Vars.vip))} and ${show(v)})`, at, `set ${Ipv6Vars.vip} once, in the directors group vars`);
    }
    const owner = owners.get(vip.value);
    if (owner !== undefined) {
      c.error(`IPv6 VIP ${vip.address} is the ${A} of host ${owner}`, at, 'the VIP must be a free address: when it moves, the old holder would keep answering for it');
    }
    const own = addrOf.get(d);
    if (own === undefined) {
      if (!set(c.get(d, A))) {
        c.error(
          `director ${d} has ${Ipv6Vars.vip} but no ${A}`,
          c.where(d, A) ?? at,
          `give each director its own IPv6 address on keepalived_interface (${A}: fd00::192:168:0:40): the hand-back forwards IPv6 segments to it`,
        );
      }
    } else if (!inSubnet6(own, vip.value, vip.prefix)) {
      c.error(
        `IPv6 VIP ${String(v)} is outside the subnet of director ${d} (${String(c.get(d, A))})`,
        at,
        "the IPv6 VIP must be in the directors' IPv6 subnet, or clients cannot reach it after a move",
      );
    }
  }

  // IPv6 towards the backends: each backend needs its address
  for (const d of c.directors) {
    if (parseBoolean(c.get(d, Ipv6Vars.backendIpv6)) !== true) continue;
    for (const w of c.web) {
      if (set(c.get(w, A))) continue;
      c.error(
        `director ${d} reaches the backends over IPv6 (${Ipv6Vars.backendIpv6}) but backend ${w} has no ${A}`,
        c.where(w, A) ?? c.where(d, Ipv6Vars.backendIpv6),
        `set ${A} on ${w}, or ${Ipv6Vars.backendIpv6}: false`,
      );
    }
  }
}
