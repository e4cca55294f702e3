import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateCluster } from '../../src/cluster/validate.js';
import { inventoryFromYaml } from '../../src/inventory/index.js';
import type { Inventory } from '../../src/inventory/types.js';

const SEED = readFileSync(new URL('../../inventory/seed.yml', import.meta.url), 'utf8');

/** The seed inventory with one text replaced (which must occur exactly once). */
function seedWith(find: string, replace: string): { inv: Inventory; line: number } {
  const at = SEED.indexOf(find);
  if (at < 0 || SEED.indexOf(find, at + 1) >= 0) throw new Error(`'${find}' must occur once in the seed`);
  const text = SEED.slice(0, at) + replace + SEED.slice(at + find.length);
  const line = text.slice(0, at).split('\n').length;
  return { inv: inventoryFromYaml(text, 'inventory/test.yml'), line };
}

describe('validateCluster on the seed inventory', () => {
  it('finds nothing wrong', () => {
    const inv = inventoryFromYaml(SEED, 'inventory/seed.yml');
    const { errors, warnings } = validateCluster(inv);
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

describe('validateCluster: one mistake each, reported at the line of the variable', () => {
  it.each([
    ['VIP outside the directors\' subnet', 'keepalived_vip: 192.168.0.150/24', 'keepalived_vip: 192.168.1.150/24', /VIP 192\.168\.1\.150\/24 is outside the subnet of director (backup|master)/],
    ['VIP equal to a web host\'s address', 'keepalived_vip: 192.168.0.150/24', 'keepalived_vip: 192.168.0.42/24', /VIP 192\.168\.0\.42 is the address of host web1/],
    ['VIP equal to a director\'s address', 'keepalived_vip: 192.168.0.150/24', 'keepalived_vip: 192.168.0.40/24', /VIP 192\.168\.0\.40 is the address of host master/],
    ['VIP without a prefix length', 'keepalived_vip: 192.168.0.150/24', 'keepalived_vip: 192.168.0.150', /keepalived_vip must be an IPv4 address with its prefix length/],
    ['duplicate addresses', 'ansible_host: 192.168.0.43', 'ansible_host: 192.168.0.42', /hosts web1 and web2 have the same address 192\.168\.0\.42/],
    ['router id 0', 'keepalived_router_id: 51', 'keepalived_router_id: 0', /keepalived_router_id must be a whole number from 1 to 255 \(got 0\)/],
    ['router id 256', 'keepalived_router_id: 51', 'keepalived_router_id: 256', /keepalived_router_id must be a whole number from 1 to 255 \(got 256\)/],
    ['priority 256', 'keepalived_priority: 100', 'keepalived_priority: 256', /director master: keepalived_priority must be a whole number from 1 to 255 \(got 256\)/],
    ['priority not a number', 'keepalived_priority: 100', 'keepalived_priority: high', /director master: keepalived_priority must be a whole number from 1 to 255 \(got "high"\)/],
    ['a port above 65535', 'keepalived_router_id: 51', 'keepalived_router_id: 51\n        nginx_director_port: 70000', /nginx_director_port of host (backup|master) must be a port from 1 to 65535 \(got 70000\)/],
    ['a port of 0', 'ansible_host: 192.168.0.43', 'ansible_host: 192.168.0.43\n          ansible_port: 0', /ansible_port of host web2 must be a port from 1 to 65535 \(got 0\)/],
    ['a tracked interface that is no interface name', 'keepalived_router_id: 51', 'keepalived_router_id: 51\n        keepalived_track_interfaces: [eth1, "eth 2"]', /host (backup|master): keepalived_track_interfaces names "eth 2", not a network interface name/],
    ['a tracked interface weight out of range', 'keepalived_router_id: 51', 'keepalived_router_id: 51\n        keepalived_track_interfaces: [{name: eth1, weight: -300}]', /keepalived_track_interfaces: the weight of eth1 must be a whole number from -253 to 253 \(got -300\)/],
    ['a tracked interface mapping without a name', 'keepalived_router_id: 51', 'keepalived_router_id: 51\n        keepalived_track_interfaces: [{weight: 10}]', /keepalived_track_interfaces names nothing, not a network interface name/],
    ['a notify command with a quote', 'keepalived_router_id: 51', 'keepalived_router_id: 51\n        keepalived_notify_fault: /usr/bin/logger "fault"', /keepalived_notify_fault of host (backup|master) holds a character the role cannot write safely/],
    ['a notify user that is no user name', 'keepalived_router_id: 51', 'keepalived_router_id: 51\n        keepalived_notify_user: Root User', /keepalived_notify_user must be a user name/],
  ])('%s', (_name, find, replace, message) => {
    const { inv, line } = seedWith(find, replace);
    const { errors } = validateCluster(inv);
    expect(errors.length).toBeGreaterThan(0);
    const hit = errors.find((e) => message.test(e.detail));
    expect(hit, errors.map((e) => e.message).join('\n')).toBeDefined();
    // the replacement may add a line: the variable is on the first or the added line
    const lines = replace.split('\n').map((_, i) => line + i);
    expect(hit?.pos?.file).toBe('inventory/test.yml');
    expect(lines).toContain(hit?.pos?.line);
    expect(hit?.exitCode).toBe(4);
  });

  it('two directors with the same priority: reported at the second', () => {
    const { inv, line } = seedWith('keepalived_priority: 100', 'keepalived_priority: 90');
    const { errors } = validateCluster(inv);
    expect(errors.map((e) => e.detail)).toEqual(['directors backup and master have the same priority 90']);
    expect(errors[0]?.pos?.line).toBe(line);
  });

  it('no web backends', () => {
    const { inv } = seedWith(
      '    web:\n      hosts:\n        web1:\n          ansible_host: 192.168.0.42\n        web2:\n          ansible_host: 192.168.0.43\n',
      '    web: {}\n',
    );
    const { errors } = validateCluster(inv);
    expect(errors.map((e) => e.detail)).toEqual(["no web backends: the group 'web' has no hosts"]);
    expect(errors[0]?.pos?.file).toBe('inventory/test.yml');
  });

  it('one director is a warning, not an error', () => {
    const { inv } = seedWith(
      '        master:\n          ansible_host: 192.168.0.40\n          keepalived_priority: 100\n          keepalived_state: MASTER\n',
      '',
    );
    const { errors, warnings } = validateCluster(inv);
    expect(errors).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/only one director \(backup\).*no high availability/);
  });

  it('directors listed master first: a warning about the converge order', () => {
    const { inv } = seedWith('keepalived_priority: 90', 'keepalived_priority: 110');
    const { errors, warnings } = validateCluster(inv);
    expect(errors).toEqual([]);
    expect(warnings.join('\n')).toMatch(/not listed lowest priority first/);
  });
});

describe('validateCluster on an inventory built by hand', () => {
  /** A small builder: groups of hosts with vars; every variable gets its own line. */
  function build(spec: Record<string, { hosts: Record<string, Record<string, unknown>>; vars?: Record<string, unknown> }>): Inventory {
    const lines = new Map<string, number>();
    let next = 1;
    const hosts = new Map<string, { name: string; vars: Record<string, unknown>; groups: string[] }>();
    const groups = new Map<string, { name: string; vars: Record<string, unknown>; children: string[]; hosts: string[] }>();
    groups.set('all', { name: 'all', vars: {}, children: Object.keys(spec), hosts: [] });
    for (const [g, body] of Object.entries(spec)) {
      groups.set(g, { name: g, vars: body.vars ?? {}, children: [], hosts: Object.keys(body.hosts) });
      for (const k of Object.keys(body.vars ?? {})) lines.set(`group:${g}:${k}`, next++);
      for (const [h, vars] of Object.entries(body.hosts)) {
        hosts.set(h, { name: h, vars, groups: [g] });
        for (const k of Object.keys(vars)) lines.set(`host:${h}:${k}`, next++);
      }
    }
    return {
      source: 'hand.yml',
      hosts,
      groups,
      varPos(host, key) {
        const own = lines.get(`host:${host}:${key}`);
        const group = hosts.get(host)?.groups.map((g) => lines.get(`group:${g}:${key}`)).find((l) => l !== undefined);
        const line = own ?? group;
        return line === undefined ? undefined : { file: 'hand.yml', line, col: 1 };
      },
    };
  }

  it('a director without ansible_host and a VIP that is not an address', () => {
    const inv = build({
      directors: {
        vars: { keepalived_vip: 'not-an-ip/24', keepalived_router_id: 7 },
        hosts: { a: { keepalived_priority: 1 }, b: { ansible_host: '10.0.0.2', keepalived_priority: 2 } },
      },
      web: { hosts: { w: { ansible_host: '10.0.0.3' } } },
    });
    const details = validateCluster(inv).errors.map((e) => e.detail);
    expect(details).toContain('director a: ansible_host must be an IPv4 address (got nothing)');
    expect(details).toContain('director a: keepalived_vip must be an IPv4 address with its prefix length (got "not-an-ip/24")');
  });

  it('directors that disagree on the router id', () => {
    const inv = build({
      directors: {
        vars: { keepalived_vip: '10.0.0.100/24' },
        hosts: {
          a: { ansible_host: '10.0.0.1', keepalived_priority: 1, keepalived_router_id: 7 },
          b: { ansible_host: '10.0.0.2', keepalived_priority: 2, keepalived_router_id: 8 },
        },
      },
      web: { hosts: { w: { ansible_host: '10.0.0.3' } } },
    });
    const { errors } = validateCluster(inv);
    expect(errors.map((e) => e.detail)).toEqual(['directors a and b have different virtual router ids (7 and 8)']);
    // lines: vip 1; a: host 2, priority 3, router id 4; b: host 5, priority 6, router id 7
    expect(errors[0]?.pos).toEqual({ file: 'hand.yml', line: 7, col: 1 });
  });
});
