/** IPv4 addresses and CIDR prefixes as numbers, for the cluster's subnet checks. */

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

/** Is `address` inside `network/prefix`? */
export function inSubnet(address: number, network: number, prefix: number): boolean {
  const mask = maskOf(prefix);
  return ((address & mask) >>> 0) === ((network & mask) >>> 0);
}
