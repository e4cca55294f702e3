import { describe, expect, it } from 'vitest';
import { HapbError } from '../../src/errors/index.js';
import {
  formatInventoryJson,
  inventoryFromYaml,
  inventoryGraph,
  inventoryHost,
  inventoryList,
  loadInventory,
} from '../../src/inventory/index.js';

const seed = loadInventory('test/fixtures/inventory/seed/hosts.yml');

describe('inventoryList (ansible-inventory --list)', () => {
  it('lists the seed: groups with hosts and children, merged hostvars, no empty groups', () => {
    const listing = inventoryList(seed);
    expect(Object.keys(listing)).toEqual(['_meta', 'all', 'directors', 'web', 'clients']);
    expect(listing.all).toEqual({ children: ['ungrouped', 'directors', 'web', 'clients'] });
    expect(listing.directors).toEqual({ hosts: ['master', 'backup'] });
    expect(listing.web).toEqual({ hosts: ['web1', 'web2'] });
    expect(listing.clients).toEqual({ hosts: ['client'] });
    expect(listing._meta.hostvars.master).toEqual({
      ansible_user: 'root',
      vip: '192.168.0.100',
      http_port: 80,
      vrrp_router_id: 51,
      keepalived_state: 'MASTER',
      ansible_host: '192.168.0.40',
      vrrp_priority: 150,
    });
    expect(Object.keys(listing._meta.hostvars)).toEqual(['master', 'backup', 'web1', 'web2', 'client']);
  });

  it('with export: group vars on groups (with a non-default priority), own vars in hostvars', () => {
    const inv = inventoryFromYaml(
      'all:\n  vars: {a: 1}\n  children:\n    web:\n      vars: {ansible_group_priority: 5, port: 80}\n      hosts:\n        web1: {w: 1}\n        web2:\n',
      'i.yml',
    );
    expect(inventoryList(inv, { export: true })).toEqual({
      _meta: { hostvars: { web1: { w: 1 } } },
      all: { children: ['ungrouped', 'web'], vars: { a: 1 } },
      web: { hosts: ['web1', 'web2'], vars: { port: 80, ansible_group_priority: 5 } },
    });
  });

  it('lists ungrouped when it has hosts, nested groups after their parent, each group once', () => {
    const inv = inventoryFromYaml(
      'all:\n  hosts:\n    lonely:\n  children:\n    prod:\n      children:\n        web:\n          hosts: {web1: null}\n    dev:\n      children:\n        web:\n',
      'i.yml',
    );
    const listing = inventoryList(inv);
    expect(Object.keys(listing)).toEqual(['_meta', 'all', 'ungrouped', 'prod', 'web', 'dev']);
    expect(listing.ungrouped).toEqual({ hosts: ['lonely'] });
    expect(listing.dev).toEqual({ children: ['web'] });
    expect(listing._meta.hostvars).toEqual({});
  });

  it('lists from another top group', () => {
    const listing = inventoryList(seed, { top: 'web' });
    expect(Object.keys(listing)).toEqual(['_meta', 'web']);
  });

  it('prints JSON with sorted keys and 4-space indent', () => {
    const text = formatInventoryJson(inventoryList(seed));
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['_meta', 'all', 'clients', 'directors', 'web']);
    expect(text).toContain('\n    "all": {\n        "children": [\n            "ungrouped",');
    expect(Object.keys((parsed._meta as { hostvars: Record<string, object> }).hostvars.master ?? {})).toEqual([
      'ansible_host',
      'ansible_user',
      'http_port',
      'keepalived_state',
      'vip',
      'vrrp_priority',
      'vrrp_router_id',
    ]);
  });
});

describe('inventoryHost (ansible-inventory --host)', () => {
  it('gives the merged vars of a host', () => {
    expect(inventoryHost(seed, 'web1')).toEqual({
      ansible_user: 'root',
      vip: '192.168.0.100',
      http_port: 80,
      ansible_host: '192.168.0.42',
    });
  });

  it.each([
    ['wbe1', "unknown host 'wbe1' in inventory test/fixtures/inventory/seed/hosts.yml", "did you mean 'web1'?"],
    ['zzzzzzzz', "unknown host 'zzzzzzzz' in inventory test/fixtures/inventory/seed/hosts.yml", /^hosts in .*: master, backup, web1, web2, client$/],
  ])('rejects %j with a clear error', (name, message, hint) => {
    let err: unknown;
    try {
      inventoryHost(seed, name);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HapbError);
    expect((err as HapbError).message).toBe(message);
    expect((err as HapbError).hint).toMatch(hint);
    expect((err as HapbError).exitCode).toBe(4);
  });
});

describe('inventoryGraph (ansible-inventory --graph)', () => {
  it('draws the seed', () => {
    expect(inventoryGraph(seed)).toBe(
      [
        '@all:',
        '  |--@ungrouped:',
        '  |--@directors:',
        '  |  |--master',
        '  |  |--backup',
        '  |--@web:',
        '  |  |--web1',
        '  |  |--web2',
        '  |--@clients:',
        '  |  |--client',
      ].join('\n'),
    );
  });

  it('shows a group under each parent, children before hosts, from a given top', () => {
    const inv = inventoryFromYaml(
      'prod:\n  hosts: {p1: null}\n  children:\n    web:\n      hosts: {web1: null}\ndev:\n  children:\n    web:\n',
      'i.yml',
    );
    expect(inventoryGraph(inv, 'prod')).toBe(['@prod:', '  |--@web:', '  |  |--web1', '  |--p1'].join('\n'));
    expect(inventoryGraph(inv).split('\n').filter((l) => l.endsWith('@web:'))).toHaveLength(2);
    expect(() => inventoryGraph(inv, 'prdo')).toThrow(/unknown group 'prdo'/);
  });
});
