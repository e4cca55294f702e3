/** IPv6 addresses as 128-bit bigints: parse, format, prefix checks. */

const GROUP = /^[0-9a-fA-F]{1,4}$/;

/** An IPv6 address (RFC 4291 text: hex groups, one `::`, an IPv4 tail) or undefined. */
export function parseIPv6(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (const [i, g] of items.entries()) {
      if (i === items.length - 1 && g.includes('.')) {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(g);
        const bytes = m ? m.slice(1).map(Number) : [];
        if (bytes.length !== 4 || bytes.some((b) => b > 255)) return undefined;
        out.push(((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0), ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0));
        continue;
      }
      if (!GROUP.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<number>(Math.max(0, missing)).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** `address/prefix` (prefix 0-128; required unless `requirePrefix` is false) */
export function parseCidr6(text: string, requirePrefix = true): { value: bigint; address: string; prefix?: number } | undefined {
  const [addr = '', plen, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const value = parseIPv6(addr);
  if (value === undefined) return undefined;
  if (plen === undefined) return requirePrefix ? undefined : { value, address: addr };
  if (!/^\d{1,3}$/.test(plen) || Number(plen) > 128) return undefined;
  return { value, address: addr, prefix: Number(plen) };
}

export function inSubnet6(address: bigint, network: bigint, prefix: number): boolean {
  const shift = BigInt(128 - prefix);
  return address >> shift === network >> shift;
}

/** link-local (fe80::/10), multicast (ff00::/8), unspecified or loopback: never a host's or a VIP's address */
export function specialIPv6(value: bigint): string | undefined {
  if (value === 0n) return 'the unspecified address';
  if (value === 1n) return 'the loopback address';
  if (value >> 118n === 0x3fan) return 'a link-local address (fe80::/10)';
  if (value >> 120n === 0xffn) return 'a multicast address (ff00::/8)';
  return undefined;
}

/** is it in the unique local range fd00::/8 (what the lab uses) */
export const isUlaFd = (value: bigint): boolean => value >> 120n === 0xfdn;
