import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { parseLabInventory, renderLabInventory, switchAddress } from '../../src/lab/inventory.js';
import { SchemaError } from '../../src/errors/index.js';

const seed = readFileSync(new URL('../fixtures/lab/seed.yml', import.meta.url), 'utf8');

describe('parseLabInventory', () => {
  it('finds every host with its address, interface and groups, and the VIP', () => {
    const spec = parseLabInventory(seed, 'seed.yml');
    expect(spec.hosts.map((h) => [h.name, h.address, h.iface, h.groups.join(',')])).toEqual([
      ['master', '192.168.0.40', 'ens33', 'directors'],
      ['backup', '192.168.0.41', 'ens33', 'directors'],
      ['web1', '192.168.0.42', 'ens33', 'web'],
      ['web2', '192.168.0.43', 'ens33', 'web'],
      ['client', '192.168.0.10', 'ens33', 'clients'],
    ]);
    expect(spec.vips).toEqual(['192.168.0.150']);
  });

  it('reads the project seed inventory (keepalived_vip with a prefix, keepalived_interface for the directors)', () => {
    const text = readFileSync(new URL('../../inventory/seed.yml', import.meta.url), 'utf8');
    const spec = parseLabInventory(text, 'inventory/seed.yml');
    expect(Object.fromEntries(spec.hosts.map((h) => [h.name, `${h.address} ${h.iface}`]))).toEqual({
      master: '192.168.0.40 ens33',
      backup: '192.168.0.41 ens33',
      web1: '192.168.0.42 ens33',
      web2: '192.168.0.43 ens33',
      client: '192.168.0.10 ens33',
    });
    expect(spec.vips).toEqual(['192.168.0.150']);
  });

  it('defaults the interface to eth0 when no host names one', () => {
    const spec = parseLabInventory('all:\n  hosts:\n    h1: { ansible_host: 10.0.0.1 }\n', 'x.yml');
    expect(spec.hosts.map((h) => h.iface)).toEqual(['eth0']);
  });

  it('gives hosts without an interface variable the one named for others; a host may override a group', () => {
    const text = `all:
  vars: { interface: eth7 }
  children:
    a:
      hosts:
        h1: { ansible_host: 10.0.0.1 }
        h2: { ansible_host: 10.0.0.2, interface: lan0 }
b:
  hosts:
    h3: { ansible_host: 10.0.0.3 }
`;
    const spec = parseLabInventory(text, 'x.yml');
    expect(spec.hosts.map((h) => `${h.name}:${h.iface}`)).toEqual(['h1:eth7', 'h2:lan0', 'h3:eth7']);
  });

  it.each([
    ['no address', 'all:\n  hosts:\n    h1: {}\n', /h1" needs ansible_host/, 3],
    ['bad address', 'all:\n  hosts:\n    h1: { ansible_host: 10.0.0.300 }\n', /needs ansible_host/, 3],
    ['bad host name', 'all:\n  hosts:\n    "a b": { ansible_host: 10.0.0.1 }\n', /host name "a b"/, 3],
    ['shared address', 'all:\n  hosts:\n    a: { ansible_host: 10.0.0.1 }\n    b: { ansible_host: 10.0.0.1 }\n', /share the address/, 4],
    ['no hosts', 'all:\n  vars: { x: 1 }\n', /no hosts/, 1],
    ['long interface', 'all:\n  hosts:\n    a: { ansible_host: 10.0.0.1, interface: abcdefghijklmnop }\n', /invalid interface/, 3],
  ])('rejects %s with a SchemaError at the place', (_what, text, re, line) => {
    let caught: unknown;
    try {
      parseLabInventory(text, 'bad.yml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SchemaError);
    const e = caught as SchemaError;
    expect(e.message).toMatch(re);
    expect(e.pos?.file).toBe('bad.yml');
    expect(e.pos?.line).toBe(line);
    expect(e.exitCode).toBe(4);
  });
});

describe('switchAddress', () => {
  it.each([
    ['the top of the /24', [], '192.168.0.254'],
    ['below a host that sits on .254', ['192.168.0.254'], '192.168.0.253'],
  ])('picks %s', (_what, extraHosts, want) => {
    const spec = parseLabInventory(seed, 's.yml');
    for (const [i, a] of extraHosts.entries()) spec.hosts.push({ name: `x${i}`, address: a, prefixLen: 24, iface: 'eth0', groups: [] });
    expect(switchAddress(spec)).toBe(want);
  });

  it('skips the VIP', () => {
    const spec = parseLabInventory(seed, 's.yml');
    spec.vips = ['192.168.0.254'];
    expect(switchAddress(spec)).toBe('192.168.0.253');
  });
});

describe('renderLabInventory', () => {
  it('keeps the original hosts and vars and adds connection vars per host', () => {
    const spec = parseLabInventory(seed, 's.yml');
    const out = renderLabInventory(seed, spec, {
      user: 'root',
      keyFile: '/k/id',
      knownHosts: '/k/known_hosts',
      proxyCommand: (h) => `proxy ${h.address} 22`,
    });
    expect(out).toContain('# Same shape as inventory/seed.yml');
    const doc = parse(out) as { all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, Record<string, string>> }> } };
    expect(doc.all.vars['vip']).toBe('192.168.0.150');
    const master = doc.all.children['directors']?.hosts['master'];
    expect(master?.['ansible_host']).toBe('192.168.0.40');
    expect(master?.['ansible_user']).toBe('root');
    expect(master?.['ansible_ssh_private_key_file']).toBe('/k/id');
    expect(master?.['ansible_ssh_common_args']).toBe(
      '-o ProxyCommand="proxy 192.168.0.40 22" -o UserKnownHostsFile=/k/known_hosts -o StrictHostKeyChecking=yes',
    );
    expect(doc.all.children['clients']?.hosts['client']?.['ansible_ssh_common_args']).toContain('proxy 192.168.0.10 22');
    // the round trip is an inventory the lab itself accepts, with the same hosts
    expect(parseLabInventory(out, 'lab.yml').hosts.map((h) => h.name)).toEqual(spec.hosts.map((h) => h.name));
  });

  it('adds the lab\'s variables to all.vars, leaving those the inventory sets', () => {
    const spec = parseLabInventory(seed, 's.yml');
    const conn = { user: 'root', keyFile: '/k/id', knownHosts: '/k/kh', proxyCommand: (): string => 'p' };
    const out = renderLabInventory(seed, spec, { ...conn, allVars: { nginx_director_tls: true, vip: 'not this', nginx_director_tls_cert_file: '/lab/tls/vip.crt' } });
    const doc = parse(out) as { all: { vars: Record<string, unknown> } };
    expect(doc.all.vars).toMatchObject({ vip: '192.168.0.150', nginx_director_tls: true, nginx_director_tls_cert_file: '/lab/tls/vip.crt' });
    const bare = parse(renderLabInventory('all:\n  hosts:\n    a:\n      ansible_host: 10.0.0.1\n', parseLabInventory('all:\n  hosts:\n    a:\n      ansible_host: 10.0.0.1\n', 'b.yml'), { ...conn, allVars: { x_tls: true } })) as { all: { vars: Record<string, unknown> } };
    expect(bare.all.vars).toEqual({ x_tls: true });
  });
});
