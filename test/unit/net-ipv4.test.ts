import { describe, expect, it } from 'vitest';
import { formatIPv4, inSubnet, networkOf, parseCidr, parseIPv4 } from '../../src/net/ipv4.js';

describe('IPv4 helpers', () => {
  it.each([
    ['192.168.0.40', 0xc0a80028],
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['256.1.1.1', undefined],
    ['1.2.3', undefined],
    ['1.2.3.4.5', undefined],
    ['a.b.c.d', undefined],
    ['01.2.3.4444', undefined],
  ])('parseIPv4(%s)', (text, value) => {
    expect(parseIPv4(text)).toBe(value);
  });

  it.each([
    ['192.168.0.150/24', { address: '192.168.0.150', prefix: 24 }],
    ['192.168.0.150', { address: '192.168.0.150', prefix: undefined }],
    ['192.168.0.150/33', undefined],
    ['192.168.0.150/24/1', undefined],
  ])('parseCidr(%s)', (text, want) => {
    const got = parseCidr(text);
    expect(got === undefined ? undefined : { address: got.address, prefix: got.prefix }).toEqual(want);
  });

  // a dotted netmask after the slash counts only when asked for (the templater's ipaddr)
  it.each([
    ['10.1.2.3/255.255.0.0', 16, undefined],
    ['10.1.2.3/0.0.0.0', 0, undefined],
    ['10.1.2.3/255.255.255.255', 32, undefined],
    ['10.1.2.3/255.0.255.0', undefined, undefined],
    ['10.1.2.3/33', undefined, undefined],
    ['10.1.2.3/8', 8, 8],
  ])('parseCidr(%s) with netmask: prefix %s, without: %s', (text, withMask, without) => {
    expect(parseCidr(text, { netmask: true })?.prefix).toBe(withMask);
    expect(parseCidr(text)?.prefix).toBe(without);
  });

  it.each([
    ['192.168.0.40', 24, '192.168.0.0'],
    ['10.1.2.3', 8, '10.0.0.0'],
    ['10.1.2.3', 0, '0.0.0.0'],
    ['255.255.255.255', 32, '255.255.255.255'],
  ])('network of %s/%i is %s', (a, prefix, want) => {
    expect(formatIPv4(networkOf(parseIPv4(a) as number, prefix))).toBe(want);
  });

  it.each([
    ['192.168.0.40', '192.168.0.150', 24, true],
    ['192.168.1.40', '192.168.0.150', 24, false],
    ['10.1.2.3', '10.0.0.0', 8, true],
    ['11.1.2.3', '10.0.0.0', 8, false],
    ['1.2.3.4', '9.9.9.9', 0, true],
  ])('%s in %s/%i: %s', (a, net, prefix, want) => {
    expect(inSubnet(parseIPv4(a) as number, parseIPv4(net) as number, prefix)).toBe(want);
  });
});
