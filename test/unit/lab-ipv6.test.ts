/**
 * The lab's IPv6 (`lab up --ipv6`): addresses derived from the IPv4 ones in
 * fd00::/64, the IPv6 VIP, the lab inventory that turns nginx over IPv6 on,
 * an inventory's own IPv6 addresses used as given; and the drill's view of a
 * lab over IPv6 (`drill --ipv6`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isIpv6Url, overIpv6, urlOf } from '../../src/drill/ipv6.js';
import type { LabControl } from '../../src/drill/lab-control.js';
import { SchemaError } from '../../src/errors/index.js';
import { hasIpv6, labIpv6Of, parseLabInventory, renderLabInventory, withIpv6 } from '../../src/lab/inventory.js';

const SEED = readFileSync(new URL('../../inventory/seed.yml', import.meta.url), 'utf8');
const DS = readFileSync(new URL('../../inventory/dual-stack.yml', import.meta.url), 'utf8');
const AA = readFileSync(new URL('../../inventory/active-active.yml', import.meta.url), 'utf8');
const conn = { user: 'root', keyFile: '/k/id', knownHosts: '/k/kh', proxyCommand: () => 'proxy' };

describe('lab up --ipv6', () => {
  it('the seed alone has no IPv6; --ipv6 derives fd00::<IPv4 numbers> for every host and the VIP', () => {
    const spec = parseLabInventory(SEED, 'inventory/seed.yml');
    expect(hasIpv6(spec)).toBe(false);
    const v6 = withIpv6(spec);
    expect(hasIpv6(v6)).toBe(true);
    expect(Object.fromEntries(v6.hosts.map((h) => [h.name, h.address6]))).toEqual({
      backup: 'fd00::192:168:0:41',
      master: 'fd00::192:168:0:40',
      web1: 'fd00::192:168:0:42',
      web2: 'fd00::192:168:0:43',
      client: 'fd00::192:168:0:10',
    });
    expect(v6.vips6).toEqual(['fd00::192:168:0:150']);
    expect(labIpv6Of('10.1.2.3')).toBe('fd00::10:1:2:3');
  });

  it("the lab inventory names the derived addresses, the IPv6 VIP and nginx over IPv6; the seed's own values stay", () => {
    const out = renderLabInventory(SEED, withIpv6(parseLabInventory(SEED, 'inventory/seed.yml')), conn);
    const doc = parse(out) as { all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, Record<string, unknown>>; vars?: Record<string, unknown> }> } };
    expect(doc.all.vars).toEqual({ keepalived_vip6: 'fd00::192:168:0:150/64', nginx_director_ipv6: true, nginx_director_backend_ipv6: true });
    expect(doc.all.children['web']?.hosts['web2']?.['ipv6_address']).toBe('fd00::192:168:0:43');
    expect(doc.all.children['directors']?.vars?.['keepalived_vip']).toBe('192.168.0.150/24');
  });

  it('without --ipv6 the lab inventory is IPv4 only', () => {
    const doc = parse(renderLabInventory(SEED, parseLabInventory(SEED, 'inventory/seed.yml'), conn)) as { all: Record<string, unknown> };
    expect(doc.all['vars']).toBeUndefined();
    expect(JSON.stringify(doc)).not.toMatch(/ipv6|fd00/);
  });

  it('an inventory with IPv6 addresses runs IPv6 as given (no --ipv6 needed), nothing derived', () => {
    const spec = parseLabInventory(DS, 'inventory/dual-stack.yml');
    expect(hasIpv6(spec)).toBe(true);
    expect(spec.vips6).toEqual(['fd00::192:168:0:150']);
    expect(spec.hosts.every((h) => h.address6 !== undefined && !h.derived6)).toBe(true);
    const doc = parse(renderLabInventory(DS, withIpv6(spec), conn)) as { all: { vars: Record<string, unknown> } };
    expect(doc.all.vars).toEqual({ nginx_director_ipv6: true, nginx_director_backend_ipv6: true });
  });

  it('refuses IPv6 outside fd00::/8, at the line of the variable', () => {
    const bad = DS.replace('ipv6_address: fd00::192:168:0:42', 'ipv6_address: 2001:db8::42');
    const line = bad.split('\n').findIndex((l) => l.includes('2001:db8::42')) + 1;
    let err: unknown;
    try {
      parseLabInventory(bad, 'inventory/test.yml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SchemaError);
    expect((err as SchemaError).message).toMatch(/web1.*ipv6_address must be an IPv6 address in fd00::\/8/);
    expect((err as SchemaError).pos?.line).toBe(line);
  });

  it('refuses an active-active inventory', () => {
    expect(() => withIpv6(parseLabInventory(AA, 'inventory/active-active.yml'))).toThrow(/one VIP/);
  });
});

describe('drill --ipv6', () => {
  const asked: (string | undefined)[] = [];
  const lab = {
    name: 'l',
    topology: { directors: ['master', 'backup'], backends: ['web1'], client: 'client', vip: '192.168.0.150', url: 'http://192.168.0.150/' },
    vipHolders: async (vip?: string) => {
      asked.push(vip);
      return ['master'];
    },
  } as unknown as LabControl;

  it('the load goes to http://[VIP6]/ and the VIP watcher follows the IPv6 VIP', async () => {
    const v6 = overIpv6(lab, ['fd00::192:168:0:150']);
    expect(v6.topology).toMatchObject({ vip: 'fd00::192:168:0:150', url: 'http://[fd00::192:168:0:150]/', client: 'client' });
    await v6.vipHolders();
    await v6.vipHolders('192.168.0.150');
    expect(asked).toEqual(['fd00::192:168:0:150', '192.168.0.150']);
    expect(isIpv6Url(v6.topology.url)).toBe(true);
    expect(isIpv6Url(lab.topology.url)).toBe(false);
  });

  it('over HTTPS too, and a lab without an IPv6 VIP is refused with the way to make one', () => {
    const tls = { ...lab, topology: { ...lab.topology, url: 'https://192.168.0.150/' } } as LabControl;
    expect(overIpv6(tls, ['fd00::1']).topology.url).toBe('https://[fd00::1]/');
    expect(() => overIpv6(lab, undefined)).toThrow(/has no IPv6 VIP/);
    expect(urlOf('192.168.0.150')).toBe('http://192.168.0.150/');
  });
});
