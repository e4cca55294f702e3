/** IPv4 addresses and CIDR prefixes as numbers, for subnet checks and the `ipaddr` filter. */

export interface Cidr {
  /** the address as written, without the prefix */
  address: string;
  /** 32-bit unsigned value of the address */
  value: number;
  /** prefix length; undefined when the text has none */
  prefix: number | undefined;
}

/** Parse a dotted-quad IPv4 address; undefined when it is not one. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** Parse `a.b.c.d` or `a.b.c.d/len`; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const value = parseIPv4(address);
  if (value === undefined) return undefined;
  if (prefixText === undefined) return { address, value, prefix: undefined };
  if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) return undefined;
  return { address, value, prefix: Number(prefixText) };
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

/** Is `address` inside `network/prefix`? */
export function inSubnet(address: number, network: number, prefix: number): boolean {
  const mask = maskOf(prefix);
  return ((address & mask) >>> 0) === ((network & mask) >>> 0);
}

/**
 * Ansible's `ipaddr(query)` for the queries the roles use, on IPv4 text with or
 * without a prefix. Returns false (as Ansible does) for input that is not an address.
 */
export function ipaddr(text: unknown, query = ''): string | number | false {
  if (typeof text !== 'string') return false;
  const cidr = parseCidr(text);
  if (!cidr) return false;
  const prefix = cidr.prefix ?? 32;
  switch (query) {
    case '':
      return text.trim();
    case 'address':
      return cidr.address;
    case 'prefix':
      return prefix;
    case 'netmask':
      return formatIPv4(maskOf(prefix));
    case 'network':
      return formatIPv4((cidr.value & maskOf(prefix)) >>> 0);
    default:
      throw new Error(`ipaddr: unsupported query '${query}' (address, prefix, netmask, network)`);
  }
}
