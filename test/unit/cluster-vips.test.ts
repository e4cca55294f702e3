/**
 * Active-active inventories (keepalived_vips): inventory/active-active.yml
 * passes; each mistake is one error (or warning) at the line of keepalived_vips.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateCluster } from '../../src/cluster/validate.js';
import { inventoryFromYaml } from '../../src/inventory/index.js';
import { parseLabInventory } from '../../src/lab/inventory.js';
import { unsettled, preferredHolders } from '../../src/lab/settle.js';

const AA = readFileSync(new URL('../../inventory/active-active.yml', import.meta.url), 'utf8');
const VIPS_LINE = AA.split('\n').findIndex((l) => /^ +keepalived_vips:/.test(l)) + 1;

function aaWith(find: string, replace: string): ReturnType<typeof validateCluster> {
  const at = AA.indexOf(find);
  if (at < 0 || AA.indexOf(find, at + 1) >= 0) throw new Error(`'${find}' must occur once`);
  return validateCluster(inventoryFromYaml(AA.slice(0, at) + replace + AA.slice(at + find.length), 'inventory/test.yml'));
}

const PRIO_A = 'priorities: {lb1: 150, lb3: 100, lb2: 50}';
const PRIO_B = 'priorities: {lb2: 150, lb3: 100, lb1: 50}';

describe('validateCluster on keepalived_vips', () => {
  it('inventory/active-active.yml: no error, no warning', () => {
    const { errors, warnings } = validateCluster(inventoryFromYaml(AA, 'inventory/active-active.yml'));
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['two VIPs with one router id', 'router_id: 52', 'router_id: 51', /keepalived_vips\[1\] and keepalived_vips\[0\] use the same virtual router id 51 on ens33 192\.168\.0\.0\/24/],
    ['router id 0', 'router_id: 52', 'router_id: 0', /keepalived_vips\[1\]\.router_id must be a whole number from 1 to 255 \(got 0\)/],
    ['no priorities', PRIO_B, 'priorities: {}', /keepalived_vips\[1\] has no preferred holder/],
    ['no priorities key', `            router_id: 52\n            ${PRIO_B}`, '            router_id: 52', /keepalived_vips\[1\] has no preferred holder/],
    ['two directors with one priority', PRIO_A, 'priorities: {lb1: 150, lb3: 150, lb2: 50}', /keepalived_vips\[0\]: directors lb1 and lb3 have the same priority 150/],
    ['priority 300', PRIO_A, 'priorities: {lb1: 300, lb3: 100, lb2: 50}', /keepalived_vips\[0\]\.priorities\.lb1 must be a whole number from 1 to 255 \(got 300\)/],
    ['a priority for a web host', PRIO_A, 'priorities: {lb1: 150, web1: 100, lb2: 50}', /keepalived_vips\[0\]\.priorities names web1, which is not a director/],
    ['a VIP twice', 'vip: 192.168.0.151/24', 'vip: 192.168.0.150/24', /keepalived_vips\[1\] and keepalived_vips\[0\] have the same VIP 192\.168\.0\.150/],
    ['a VIP outside the subnet', 'vip: 192.168.0.151/24', 'vip: 10.0.0.151/24', /VIP 10\.0\.0\.151\/24 is outside the subnet of director lb2/],
    ['a VIP that is a backend', 'vip: 192.168.0.151/24', 'vip: 192.168.0.51/24', /VIP 192\.168\.0\.51 \(keepalived_vips\[1\]\) is the address of host web1/],
    ['a VIP without prefix', 'vip: 192.168.0.151/24', 'vip: 192.168.0.151', /keepalived_vips\[1\]\.vip must be an IPv4 address with its prefix length/],
    ['an unknown key', 'router_id: 52', 'router_id: 52\n            prio: 3', /keepalived_vips\[1\] has unknown keys: prio/],
    ['not a list', 'keepalived_vips:\n', 'keepalived_vips: 192.168.0.150/24\n        old_vips:\n'],
  ] as [string, string, string, RegExp?][])('%s', (_name, find, replace, message = /keepalived_vips must be a list/) => {
    const { errors } = aaWith(find, replace);
    const hit = errors.find((e) => message.test(e.detail));
    expect(hit, errors.map((e) => e.message).join('\n')).toBeDefined();
    expect(hit?.pos?.file).toBe('inventory/test.yml');
    expect(hit?.pos?.line).toBe(VIPS_LINE);
    expect(hit?.exitCode).toBe(4);
  });

  it('different lists on two directors', () => {
    const { errors } = aaWith('ansible_host: 192.168.0.42\n', 'ansible_host: 192.168.0.42\n          keepalived_vips: []\n');
    expect(errors.map((e) => e.detail)).toContain('directors lb3 and lb2 have different keepalived_vips');
  });

  it('warns when a failed director would put all its VIPs on one other', () => {
    const text = AA.replace(PRIO_B, 'priorities: {lb1: 150, lb3: 100, lb2: 50}');
    const { errors, warnings } = validateCluster(inventoryFromYaml(text, 'x.yml'));
    expect(errors).toEqual([]);
    expect(warnings).toContain('when lb1 fails, all its VIPs (192.168.0.150, 192.168.0.151) move to lb3: give them different second priorities to spread them');
  });

  it('warns about a director preferred for nothing when VIPs would go round', () => {
    const text = AA.replace('            router_id: 52', '            router_id: 52').replace(
      `            ${PRIO_B}\n`,
      `            ${PRIO_B}\n          - vip: 192.168.0.152/24\n            router_id: 53\n            priorities: {lb1: 120, lb2: 110}\n`,
    );
    const { errors, warnings } = validateCluster(inventoryFromYaml(text, 'x.yml'));
    expect(errors).toEqual([]);
    expect(warnings.join('\n')).toMatch(/director lb3 preferred for no VIP although there are 3 VIPs for 3 directors/);
  });

  it('no legacy keepalived_vip / router_id / priority needed', () => {
    const { errors } = validateCluster(inventoryFromYaml(AA, 'x.yml'));
    expect(errors.filter((e) => /keepalived_(vip|router_id|priority) must/.test(e.detail))).toEqual([]);
  });
});

describe('the lab reads keepalived_vips', () => {
  it('every VIP and its preferred director', () => {
    const spec = parseLabInventory(AA, 'active-active.yml');
    expect(spec.vips).toEqual(['192.168.0.150', '192.168.0.151']);
    expect(spec.preferred).toEqual({ '192.168.0.150': 'lb1', '192.168.0.151': 'lb2' });
    expect(spec.hosts.map((h) => h.name)).toEqual(['lb3', 'lb1', 'lb2', 'web1', 'web2', 'web3', 'web4', 'web5', 'web6', 'client']);
    expect(new Set(spec.hosts.map((h) => h.iface))).toEqual(new Set(['ens33']));
  });

  it('settled only with each VIP on its own preferred director', () => {
    const pref = preferredHolders(parseLabInventory(AA, 'active-active.yml'));
    const snap = (vips: Record<string, string[]>): Parameters<typeof unsettled>[0] => ({ machines: [], vips });
    expect(unsettled(snap({ '192.168.0.150': ['lb1'], '192.168.0.151': ['lb2'] }), pref)).toEqual([]);
    expect(unsettled(snap({ '192.168.0.150': ['lb3'], '192.168.0.151': ['lb2'] }), pref)).toEqual(['the VIP 192.168.0.150 is on lb3, not yet on lb1']);
  });
});
