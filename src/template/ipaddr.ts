/**
 * An `ipaddr` filter for IPv4 (what the roles need of Ansible's
 * ansible.utils.ipaddr): address, prefix, netmask, network, broadcast,
 * network/prefix, host/prefix, and membership of an address in a network.
 */

interface Cidr {
  addr: number;
  prefix: number;
}

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `10.0.0.5/24`, `10.0.0.5` (a /32) or `10.0.0.5/255.255.255.0`. */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const [a, p, extra] = text.trim().split('/');
  if (a === undefined || extra !== undefined) return undefined;
  const addr = parseIPv4(a);
  if (addr === undefined) return undefined;
  if (p === undefined) return { addr, prefix: 32 };
  if (/^\d{1,2}$/.test(p) && Number(p) <= 32) return { addr, prefix: Number(p) };
  const mask = parseIPv4(p);
  if (mask === undefined) return undefined;
  const prefix = 32 - Math.log2(2 ** 32 - mask);
  return Number.isInteger(prefix) ? { addr, prefix } : undefined;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function networkOf(c: Cidr): number {
  return (c.addr & maskOf(c.prefix)) >>> 0;
}

/** Is the address (or network) `inner` inside the network `outer`? */
export function inNetwork(inner: unknown, outer: unknown): boolean {
  const a = parseCidr(inner);
  const n = parseCidr(outer);
  if (!a || !n || a.prefix < n.prefix) return false;
  return (a.addr & maskOf(n.prefix)) >>> 0 === networkOf(n);
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
  const net = networkOf(c);
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
