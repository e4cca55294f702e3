/**
 * IPv4 addresses and CIDR prefixes as 32-bit numbers: the one parser behind
 * the cluster validator's subnet checks and the templater's ipaddr filter.
 */

export interface Cidr {
  /** the address as written, without the prefix */
  address: string;
  /** 32-bit unsigned value of the address */
  value: number;
  /** prefix length; undefined when the text has none */
  prefix: number | undefined;
}

export interface CidrOptions {
  /** also accept a dotted netmask after the slash (`10.0.0.5/255.255.255.0`) */
  netmask?: boolean;
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

export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** The prefix length of a contiguous dotted netmask; undefined otherwise. */
function prefixOfNetmask(text: string): number | undefined {
  const mask = parseIPv4(text);
  if (mask === undefined) return undefined;
  const prefix = 32 - Math.log2(2 ** 32 - mask);
  return Number.isInteger(prefix) ? prefix : undefined;
}

/** Parse `a.b.c.d` or `a.b.c.d/len` (or `a.b.c.d/mask` with `netmask`); undefined when malformed. */
export function parseCidr(text: string, options: CidrOptions = {}): Cidr | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const value = parseIPv4(address);
  if (value === undefined) return undefined;
  if (prefixText === undefined) return { address, value, prefix: undefined };
  if (/^\d{1,2}$/.test(prefixText) && Number(prefixText) <= 32) return { address, value, prefix: Number(prefixText) };
  const prefix = options.netmask ? prefixOfNetmask(prefixText) : undefined;
  return prefix === undefined ? undefined : { address, value, prefix };
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The network address of `address/prefix`. */
export function networkOf(address: number, prefix: number): number {
  return (address & maskOf(prefix)) >>> 0;
}

/** Is `address` inside `network/prefix`? */
export function inSubnet(address: number, network: number, prefix: number): boolean {
  return networkOf(address, prefix) === networkOf(network, prefix);
}
