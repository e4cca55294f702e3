/**
 * Dual-stack inventories: inventory/dual-stack.yml passes the checks and
 * renders the IPv6 parts (IPv6 VIP in keepalived's virtual_ipaddress_excluded,
 * nginx on [::], upstream over IPv6, drain and hand-back sets of type
 * ipv6_addr); each mistake is one error at the variable's line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import { validateCluster } from '../../src/cluster/validate.js';
import { renderPlaybook } from '../../src/engine/render.js';
import { inventoryFromYaml, loadInventory } from '../../src/inventory/index.js';
import { inSubnet6, parseCidr6, parseIPv6, specialIPv6 } from '../../src/net/ipv6.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { loadYamlFile } from '../../src/yaml/load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DS = readFileSync(join(root, 'inventory', 'dual-stack.yml'), 'utf8');

function dsWith(find: string, replace: string): { report: ReturnType<typeof validateCluster>; line: number } {
  const at = DS.indexOf(find);
  if (at < 0 || DS.indexOf(find, at + 1) >= 0) throw new Error(`'${find}' must occur once`);
  const text = DS.slice(0, at) + replace + DS.slice(at + find.length);
  return { report: validateCluster(inventoryFromYaml(text, 'inventory/test.yml')), line: text.slice(0, at).split('\n').length };
}

describe('parseIPv6', () => {
  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['fd00::192:168:0:40', 0xfd00_0000_0000_0000_0192_0168_0000_0040n],
    ['2001:db8:0:0:1:0:0:1', 0x2001_0db8_0000_0000_0001_0000_0000_0001n],
    ['::ffff:192.168.0.1', 0xffff_c0a8_0001n],
  ])('%s', (text, value) => expect(parseIPv6(text)).toBe(value));

  it.each(['', ':::', '1::2::3', 'fd00::12345', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'fe80::1%eth0', 'g::1', '192.168.0.1'])('rejects %s', (text) => {
    expect(parseIPv6(text)).toBeUndefined();
  });

  it('prefixes and special ranges', () => {
    expect(parseCidr6('fd00::150/64')?.prefix).toBe(64);
    expect(parseCidr6('fd00::150')).toBeUndefined();
    expect(parseCidr6('fd00::150', false)?.prefix).toBeUndefined();
    expect(parseCidr6('fd00::150/129')).toBeUndefined();
    const a = parseIPv6('fd00::192:168:0:40') ?? 0n;
    const vip = parseCidr6('fd00::192:168:0:150/64');
    expect(inSubnet6(a, vip?.value ?? 0n, 64)).toBe(true);
    expect(inSubnet6(parseIPv6('fd00:0:0:1::40') ?? 0n, vip?.value ?? 0n, 64)).toBe(false);
    expect(specialIPv6(parseIPv6('fe80::1') ?? 0n)).toMatch(/link-local/);
    expect(specialIPv6(parseIPv6('ff02::12') ?? 0n)).toMatch(/multicast/);
    expect(specialIPv6(a)).toBeUndefined();
  });
});

describe('validateCluster on a dual-stack inventory', () => {
  it('inventory/dual-stack.yml: no error, no warning', () => {
    const { errors, warnings } = validateCluster(inventoryFromYaml(DS, 'inventory/dual-stack.yml'));
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['a VIP without prefix', 'keepalived_vip6: fd00::192:168:0:150/64', 'keepalived_vip6: fd00::192:168:0:150', /keepalived_vip6 must be an IPv6 address with its prefix length/],
    ['a VIP that is no address', 'keepalived_vip6: fd00::192:168:0:150/64', 'keepalived_vip6: 192.168.0.151/24', /keepalived_vip6 must be an IPv6 address with its prefix length \(got "192\.168\.0\.151\/24"\)/],
    ['a link-local VIP', 'keepalived_vip6: fd00::192:168:0:150/64', 'keepalived_vip6: fe80::150/64', /not a link-local address/],
    ['a VIP outside the subnet', 'keepalived_vip6: fd00::192:168:0:150/64', 'keepalived_vip6: fd00:1::150/64', /IPv6 VIP fd00:1::150\/64 is outside the subnet of director (backup|master)/],
    ['a VIP that is a backend', 'keepalived_vip6: fd00::192:168:0:150/64', 'keepalived_vip6: fd00::192:168:0:43/64', /IPv6 VIP fd00::192:168:0:43 is the ipv6_address of host web2/],
    ['a bad host address', 'ipv6_address: fd00::192:168:0:42', 'ipv6_address: fd00::192:168:0:42/64', /host web1: ipv6_address must be an IPv6 address without prefix length/],
    ['two hosts with one address', 'ipv6_address: fd00::192:168:0:43', 'ipv6_address: fd00::192:168:0:42', /hosts web1 and web2 have the same ipv6_address fd00::192:168:0:42/],
    ['a director without address', '          ipv6_address: fd00::192:168:0:41\n', '', /director backup has keepalived_vip6 but no ipv6_address/],
    ['a backend without address, backends over IPv6', '          ipv6_address: fd00::192:168:0:43\n', '', /backend web2 has no ipv6_address/],
    ['with keepalived_vips', 'keepalived_router_id: 51', 'keepalived_router_id: 51\n        keepalived_vips: [{vip: 192.168.0.151/24, router_id: 52, priorities: {master: 100, backup: 90}}]', /keepalived_vip6 is for the one-VIP setup, not with keepalived_vips/],
  ] as [string, string, string, RegExp][])('%s', (_name, find, replace, message) => {
    const { report, line } = dsWith(find, replace);
    const hit = report.errors.find((e) => message.test(e.detail));
    expect(hit, report.errors.map((e) => e.message).join('\n')).toBeDefined();
    expect(hit?.pos?.file).toBe('inventory/test.yml');
    expect(hit?.exitCode).toBe(4);
    if (replace !== '' && !replace.includes('\n')) expect(hit?.pos?.line).toBe(line);
  });

  it('the IPv4-only seed never mentions IPv6', () => {
    const seed = readFileSync(join(root, 'inventory', 'seed.yml'), 'utf8');
    expect(validateCluster(inventoryFromYaml(seed, 'inventory/seed.yml')).errors).toEqual([]);
  });
});

describe('rendering inventory/dual-stack.yml (profile hapb)', () => {
  const inventory = loadInventory(join(root, 'inventory', 'dual-stack.yml'));
  const extraVars = loadYamlFile<Record<string, unknown>>(join(root, 'profiles', 'hapb.yml')).value;
  const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });
  const files = renderPlaybook({ playbook, inventory, extraVars });
  const file = async (host: string, dest: string): Promise<string> => {
    const f = (await files).find((x) => x.host === host && x.dest === dest);
    if (!f) throw new Error(`no ${dest} for ${host}`);
    return f.content;
  };

  it('keepalived: the IPv6 VIP moves with the IPv4 one, in the same instance', async () => {
    const conf = await file('master', '/etc/keepalived/keepalived.conf');
    expect(conf).toMatch(/virtual_ipaddress \{\n\s+192\.168\.0\.150\/24\n\s+\}\n/);
    expect(conf).toMatch(/virtual_ipaddress_excluded \{\n\s+fd00::192:168:0:150\/64 dev ens33 preferred_lft 0\n\s+\}/);
    expect(conf.match(/vrrp_instance/g)).toHaveLength(1);
  });

  it('nginx: listens on [::], reaches the backends over IPv6', async () => {
    const conf = await file('backup', '/etc/nginx/nginx.conf');
    expect(conf).toContain('listen [::]:80;');
    expect(conf).toContain('server [fd00::192:168:0:42]:80 max_fails=1');
    expect(conf).toContain('server [fd00::192:168:0:43]:80 max_fails=0 backup;');
    expect(conf).not.toMatch(/server 192\.168\.0\.4[23]:/);
    const unit = await file('backup', '/etc/systemd/system/hapb-backend-watch.service');
    expect(unit).toMatch(/ 80 fd00::192:168:0:42 fd00::192:168:0:43\n/);
    expect(await file('backup', '/usr/local/sbin/hapb-backend-watch')).toContain('IO::Socket::IP->new(PeerHost');
  });

  it('firewall, drain, VIP on lo and the hand-back cover the IPv6 VIP', async () => {
    const nft = await file('master', '/etc/hapb/director.nft');
    expect(nft).toMatch(/set drain6 \{\n\s+type ipv6_addr/);
    expect(nft).toContain('ip6 daddr @drain6 counter drop');
    expect(nft).toContain('ip6 daddr @handback_192_168_0_41 tcp flags & syn == 0 ip6 hoplimit > 1 socket wildcard 1 counter ip6 hoplimit set 2 dup to fd00::192:168:0:41 device "ens33" drop');
    const lo = await file('master', '/etc/systemd/system/hapb-vip-lo.service');
    expect(lo).toContain('ExecStart=/sbin/ip -6 addr replace fd00::192:168:0:150/128 dev lo');
    const dropin = await file('master', '/etc/systemd/system/keepalived.service.d/hapb.conf');
    expect(dropin).toContain('nft add element inet hapb_director drain6 { fd00::192:168:0:150 }');
    expect(dropin).toContain('/sbin/ip -6 addr del fd00::192:168:0:150/64 dev ens33');
    const took = await file('backup', '/etc/keepalived/hapb-took-vip.sh');
    expect(took).toContain('vip6=fd00::192:168:0:150');
    expect(took).toContain('add element ip6 hapb_handback6 %s { %s timeout %sms }');
  });
});
