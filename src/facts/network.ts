/**
 * Network facts from `ip -j addr` and `ip -j route show default`, shaped as
 * Ansible's: ansible_interfaces, ansible_<ifname> (with `-` and other
 * non-identifier characters turned into `_` in the key), ansible_default_ipv4,
 * ansible_all_ipv4_addresses.
 */
import { formatIPv4, maskOf, networkOf, parseIPv4 } from '../net/ipv4.js';

interface IpAddrInfo {
  family?: string;
  local?: string;
  prefixlen?: number;
  broadcast?: string;
  scope?: string;
  secondary?: boolean;
}

interface IpLink {
  ifname?: string;
  flags?: string[];
  mtu?: number;
  link_type?: string;
  address?: string;
  addr_info?: IpAddrInfo[];
}

interface IpRoute {
  dst?: string;
  gateway?: string;
  dev?: string;
  prefsrc?: string;
}

export interface Ipv4Facts {
  address: string;
  broadcast: string;
  netmask: string;
  network: string;
  prefix: string;
}

export interface Ipv6Facts {
  address: string;
  prefix: string;
  scope: string;
}

export interface InterfaceFacts {
  device: string;
  active: boolean;
  promisc: boolean;
  mtu: number;
  type: string;
  macaddress?: string;
  ipv4?: Ipv4Facts;
  ipv4_secondaries?: Ipv4Facts[];
  ipv6?: Ipv6Facts[];
}

export interface NetworkFacts {
  interfaces: string[];
  /** keyed by the fact name (ifname with non-identifier characters as `_`) */
  byKey: Record<string, InterfaceFacts>;
  default_ipv4: Record<string, unknown>;
  default_ipv6: Record<string, unknown>;
  all_ipv4_addresses: string[];
  all_ipv6_addresses: string[];
}

/** The key Ansible uses for an interface: ansible_<this>. */
export function interfaceFactKey(ifname: string): string {
  return ifname.replace(/[^A-Za-z0-9_]/g, '_');
}

export function prefixToNetmask(prefix: number): string {
  return formatIPv4(maskOf(Math.max(0, Math.min(prefix, 32))));
}

function ipv4Facts(a: IpAddrInfo): Ipv4Facts {
  const address = a.local ?? '';
  const prefix = a.prefixlen ?? 32;
  const netmask = prefixToNetmask(prefix);
  return {
    address,
    broadcast: a.broadcast ?? '',
    netmask,
    network: formatIPv4(networkOf(parseIPv4(address) ?? 0, Math.max(0, Math.min(prefix, 32)))),
    prefix: String(prefix),
  };
}

function parseJsonArray<T>(text: string): T[] {
  const t = text.trim();
  if (!t) return [];
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

export function networkFacts(ipAddrJson: string, route4Json: string, route6Json = ''): NetworkFacts {
  const links = parseJsonArray<IpLink>(ipAddrJson);
  const interfaces: string[] = [];
  const byKey: Record<string, InterfaceFacts> = {};
  const all4: string[] = [];
  const all6: string[] = [];
  for (const link of links) {
    const name = link.ifname;
    if (!name) continue;
    interfaces.push(name);
    const flags = link.flags ?? [];
    const loopback = link.link_type === 'loopback' || flags.includes('LOOPBACK');
    const facts: InterfaceFacts = {
      device: name,
      active: flags.includes('UP'),
      promisc: flags.includes('PROMISC'),
      mtu: link.mtu ?? 0,
      type: loopback ? 'loopback' : (link.link_type ?? 'unknown'),
    };
    if (!loopback && link.address) facts.macaddress = link.address;
    const v4 = (link.addr_info ?? []).filter((a) => a.family === 'inet' && a.local);
    const v6 = (link.addr_info ?? []).filter((a) => a.family === 'inet6' && a.local);
    const primary = v4.find((a) => !a.secondary) ?? v4[0];
    if (primary) {
      facts.ipv4 = ipv4Facts(primary);
      const rest = v4.filter((a) => a !== primary).map(ipv4Facts);
      if (rest.length > 0) facts.ipv4_secondaries = rest;
    }
    if (v6.length > 0) {
      facts.ipv6 = v6.map((a) => ({ address: a.local ?? '', prefix: String(a.prefixlen ?? 128), scope: a.scope ?? '' }));
    }
    if (!loopback) {
      for (const a of v4) if (a.scope !== 'host' && a.local) all4.push(a.local);
      for (const a of v6) if (a.scope !== 'host' && a.local) all6.push(a.local);
    }
    byKey[interfaceFactKey(name)] = facts;
  }

  const defaultOf = (routes: IpRoute[], family: 4 | 6): Record<string, unknown> => {
    const r = routes.find((x) => x.dst === 'default' && x.dev);
    if (!r || !r.dev) return {};
    const iface = byKey[interfaceFactKey(r.dev)];
    const base: Record<string, unknown> = {
      interface: r.dev,
      alias: r.dev,
      gateway: r.gateway ?? '',
      ...(iface ? { macaddress: iface.macaddress ?? '', mtu: iface.mtu, type: iface.type } : {}),
    };
    if (family === 4) {
      const chosen =
        (r.prefsrc && [iface?.ipv4, ...(iface?.ipv4_secondaries ?? [])].find((a) => a?.address === r.prefsrc)) ||
        iface?.ipv4;
      return chosen ? { ...base, ...chosen } : { ...base, address: r.prefsrc ?? '' };
    }
    const global = iface?.ipv6?.find((a) => a.scope === 'global');
    return global ? { ...base, ...global } : base;
  };

  return {
    interfaces,
    byKey,
    default_ipv4: defaultOf(parseJsonArray<IpRoute>(route4Json), 4),
    default_ipv6: defaultOf(parseJsonArray<IpRoute>(route6Json), 6),
    all_ipv4_addresses: all4,
    all_ipv6_addresses: all6,
  };
}
