/**
 * An `ipaddr` filter for IPv4 (what the roles need of Ansible's
 * ansible.utils.ipaddr): address, prefix, netmask, network, broadcast,
 * network/prefix, host/prefix, and membership of an address in a network.
 */

import { formatIPv4, inSubnet, maskOf, networkOf, parseCidr as parseCidrText } from '../net/ipv4.js';

interface Cidr {
  addr: number;
  prefix: number;
}

/** `10.0.0.5/24`, `10.0.0.5` (a /32) or `10.0.0.5/255.255.255.0`; undefined for anything else. */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const c = parseCidrText(text, { netmask: true });
  return c && { addr: c.value, prefix: c.prefix ?? 32 };
}

/** Is the address (or network) `inner` inside the network `outer`? */
export function inNetwork(inner: unknown, outer: unknown): boolean {
  const a = parseCidr(inner);
  const n = parseCidr(outer);
  if (!a || !n || a.prefix < n.prefix) return false;
  return inSubnet(a.addr, n.addr, n.prefix);
}

/**
 * Ansible's `ipaddr(query)`: false when the value is not an IPv4 address.
 * A query that is itself a network returns the value when it lies inside.
 */
export function ipaddr(value: unknown, query?: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => ipaddr(v, query)).filter((v) => v !== false);
  const c = parseCidr(value);
  if (!c) return false;
  const q = query === undefined || query === null ? '' : String(query);
  const net = networkOf(c.addr, c.prefix);
  const broadcast = (net | ~maskOf(c.prefix)) >>> 0;
  switch (q) {
    case '':
      return value;
    case 'address':
      return formatIPv4(c.addr);
    case 'prefix':
      return c.prefix;
    case 'netmask':
      return formatIPv4(maskOf(c.prefix));
    case 'network':
      return formatIPv4(net);
    case 'broadcast':
      return formatIPv4(broadcast);
    case 'net':
      return c.addr === net ? value : false;
    case 'host':
      return `${formatIPv4(c.addr)}/${c.prefix}`;
    case 'network/prefix':
    case 'subnet':
      return `${formatIPv4(net)}/${c.prefix}`;
    case 'host/prefix':
    case 'address/prefix':
      return c.addr === net && c.prefix < 31 ? false : `${formatIPv4(c.addr)}/${c.prefix}`;
    default:
      if (parseCidr(q)) return inNetwork(value, q) ? value : false;
      throw new Error(`ipaddr: unknown query '${q}'`);
  }
}
