/**
 * What the lab needs from an Ansible-style YAML inventory: every host with its
 * address and interface, the groups, and the VIPs. Also renders the lab's own
 * inventory: the original plus connection variables through the lab's switch.
 */
import { existsSync, statSync } from 'node:fs';
import { isMap, parseDocument, type Document, type YAMLMap } from 'yaml';
import { SchemaError, type SourcePos } from '../errors/index.js';
import { groupsOf, hostVars, inventoryFromYaml, loadInventory, type Inventory } from '../inventory/index.js';
import { checkHostName } from './names.js';
import { isUlaFd, parseCidr6, parseIPv6 } from '../net/ipv6.js';

export interface LabHostSpec {
  name: string;
  /** ansible_host */
  address: string;
  prefixLen: number;
  /** interface name inside the machine */
  iface: string;
  groups: string[];
  /** keepalived_priority: the director with the highest one should hold the VIP once the cluster settles */
  priority?: number;
  /** ipv6_address (inventory or derived by `lab up --ipv6`), on the same interface, prefix /64 */
  address6?: string;
  /** address6 was derived by the lab (the lab's inventory then names it) */
  derived6?: boolean;
}

export interface LabSpec {
  source: string;
  hosts: LabHostSpec[];
  /** virtual IPs (var `vip`, or a list in `vips`) */
  vips: string[];
  /** VIP → the director with its highest priority, for VIPs of `keepalived_vips` (active-active) */
  preferred?: Record<string, string>;
  /** IPv6 VIPs (keepalived_vip6, address/prefix) */
  vips6?: string[];
  /** keepalived_vip6 was derived by the lab */
  derivedVip6?: boolean;
}

/** variable names that may name the machine's interface, first found wins */
export const IFACE_VARS = ['lab_interface', 'keepalived_interface', 'vrrp_interface', 'interface'] as const;
/** variable names that hold a VIP (address or address/prefix) or a list of them */
export const VIP_VARS = ['keepalived_vip', 'vip', 'keepalived_vips', 'vips'] as const;
export const DEFAULT_IFACE = 'eth0';
export const DEFAULT_PREFIX_LEN = 24;

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IFACE_RE = /^[A-Za-z0-9_.-]{1,15}$/;

/** Parse inventory text (file name for messages; group_vars/host_vars read from `varsDir`). */
export function parseLabInventory(text: string, file: string, varsDir?: string): LabSpec {
  return labSpecOf(inventoryFromYaml(text, file, varsDir));
}

/**
 * The lab's view of a resolved inventory. A host without an interface variable
 * gets the one named for other hosts (the seed names ens33 for the directors:
 * every machine then has ens33, like the tutorial's VMs), else eth0.
 */
export function labSpecOf(inv: Inventory): LabSpec {
  const names = [...inv.hosts.keys()];
  if (names.length === 0) throw new SchemaError('the inventory has no hosts', { file: inv.source, line: 1, col: 1 });
  const varsOf = new Map(names.map((n) => [n, hostVars(inv, n)]));
  const ifaceOf = (v: Record<string, unknown>): string | undefined => {
    const found = IFACE_VARS.map((k) => v[k]).find((x) => typeof x === 'string');
    return typeof found === 'string' ? found : undefined;
  };
  const labIface = names.map((n) => ifaceOf(varsOf.get(n) ?? {})).find((x) => x !== undefined) ?? DEFAULT_IFACE;
  const vips = new Set<string>();
  const vips6 = new Set<string>();
  const preferred: Record<string, string> = {};
  const hosts: LabHostSpec[] = [];
  const byAddress = new Map<string, string>();
  for (const name of names) {
    const host = inv.hosts.get(name);
    const vars = varsOf.get(name) ?? {};
    const pos = (key: string): SourcePos => inv.varPos(name, key) ?? host?.pos ?? { file: inv.source, line: 1, col: 1 };
    try {
      checkHostName(name);
    } catch {
      throw new SchemaError(`host name "${name}" cannot name a lab machine`, pos(''), 'use letters, digits, _ and -');
    }
    const address = vars['ansible_host'] ?? name;
    if (typeof address !== 'string' || !IPV4_RE.test(address)) {
      throw new SchemaError(`host "${name}" needs ansible_host: an IPv4 address for the lab`, pos('ansible_host'), 'e.g. ansible_host: 192.168.0.40');
    }
    const iface = ifaceOf(vars) ?? labIface;
    if (!IFACE_RE.test(iface)) {
      throw new SchemaError(`host "${name}": invalid interface name "${iface}"`, pos(IFACE_VARS.find((k) => k in vars) ?? ''), 'at most 15 characters');
    }
    const plen = vars['lab_prefix_len'] ?? DEFAULT_PREFIX_LEN;
    if (typeof plen !== 'number' || !Number.isInteger(plen) || plen < 8 || plen > 30) {
      throw new SchemaError(`host "${name}": lab_prefix_len must be an integer 8-30`, pos('lab_prefix_len'));
    }
    for (const key of VIP_VARS) {
      const v = vars[key];
      for (const item of Array.isArray(v) ? v : [v]) {
        // a string, or an entry of keepalived_vips: {vip, router_id, priorities}
        const entry = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : undefined;
        const text = entry ? entry['vip'] : item;
        const ip = typeof text === 'string' ? text.split('/')[0] : undefined;
        if (!ip || !IPV4_RE.test(ip)) continue;
        vips.add(ip);
        const top = entry ? topPriority(entry['priorities']) : undefined;
        if (top !== undefined) preferred[ip] = top;
      }
    }
    const other = byAddress.get(address);
    if (other) throw new SchemaError(`hosts "${other}" and "${name}" share the address ${address}`, pos('ansible_host'));
    byAddress.set(address, name);
    const priority = vars['keepalived_priority'];
    const a6 = vars[IPV6_VAR];
    if (a6 !== undefined && (typeof a6 !== 'string' || !isLabIpv6(a6))) {
      throw new SchemaError(`host "${name}": ${IPV6_VAR} must be an IPv6 address in fd00::/8 for the lab (got ${JSON.stringify(a6)})`, pos(IPV6_VAR), `e.g. ${IPV6_VAR}: ${labIpv6Of(address)}`);
    }
    const v6 = vars[VIP6_VAR];
    if (v6 !== undefined && v6 !== '') {
      const c = typeof v6 === 'string' ? parseCidr6(v6) : undefined;
      if (!c || c.prefix === undefined || !isUlaFd(c.value)) {
        throw new SchemaError(`host "${name}": ${VIP6_VAR} must be an IPv6 address/prefix in fd00::/8 for the lab (got ${JSON.stringify(v6)})`, pos(VIP6_VAR), `e.g. ${VIP6_VAR}: fd00::192:168:0:150/64`);
      }
      vips6.add(c.address);
    }
    hosts.push({
      ...(typeof a6 === 'string' ? { address6: a6 } : {}),
      name,
      address,
      prefixLen: plen,
      iface,
      groups: groupsOf(inv, name).filter((g) => g !== 'all' && g !== 'ungrouped'),
      ...(typeof priority === 'number' ? { priority } : {}),
    });
  }
  return {
    source: inv.source,
    hosts,
    vips: [...vips],
    ...(Object.keys(preferred).length ? { preferred } : {}),
    ...(vips6.size ? { vips6: [...vips6] } : {}),
  };
}

/** the host variable with a host's own IPv6 address, and the IPv6 VIP's */
export const IPV6_VAR = 'ipv6_address';
export const VIP6_VAR = 'keepalived_vip6';
/** the lab's IPv6 subnet: ULA fd00::/64, addresses written from the IPv4 ones */
export const LAB_IPV6_PREFIX_LEN = 64;

/** fd00::<the four numbers of the IPv4 address> (192.168.0.40 → fd00::192:168:0:40) */
export const labIpv6Of = (ipv4: string): string => `fd00::${ipv4.split('.').join(':')}`;

/** an IPv6 address in fd00::/8 (unique local: never routed anywhere) */
export function isLabIpv6(text: string): boolean {
  const v = parseIPv6(text);
  return v !== undefined && isUlaFd(v);
}

/** does the lab run IPv6 (hosts with ipv6_address or an IPv6 VIP) */
export const hasIpv6 = (spec: LabSpec): boolean => (spec.vips6?.length ?? 0) > 0 || spec.hosts.some((h) => h.address6 !== undefined);

/**
 * `lab up --ipv6`: every host without ipv6_address gets fd00::<its IPv4
 * numbers>, and the IPv6 VIP (keepalived_vip6), when the inventory has none,
 * is derived from the first IPv4 VIP the same way. One VIP only (not with
 * keepalived_vips).
 */
export function withIpv6(spec: LabSpec): LabSpec {
  if (spec.preferred && spec.vips.length > 1) {
    throw new SchemaError('the lab\'s IPv6 is for one VIP (keepalived_vip), not keepalived_vips', { file: spec.source, line: 1, col: 1 }, 'use an inventory with keepalived_vip, e.g. inventory/seed.yml');
  }
  const hosts = spec.hosts.map((h) => (h.address6 ? h : { ...h, address6: labIpv6Of(h.address), derived6: true }));
  const vip = spec.vips[0];
  if ((spec.vips6?.length ?? 0) > 0 || vip === undefined) return { ...spec, hosts };
  return { ...spec, hosts, vips6: [labIpv6Of(vip)], derivedVip6: true };
}

/** the host with the highest priority of a {host: priority} mapping */
function topPriority(p: unknown): string | undefined {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return undefined;
  let best: [string, number] | undefined;
  for (const [h, v] of Object.entries(p as Record<string, unknown>)) {
    const n = Number(v);
    if (Number.isFinite(n) && (!best || n > best[1])) best = [h, n];
  }
  return best?.[0];
}

export function readLabInventory(file: string): LabSpec {
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new SchemaError('the lab needs an inventory file, not a directory', { file, line: 0, col: 0 }, 'pass one YAML file with -i');
  }
  return labSpecOf(loadInventory(file));
}

const ipToInt = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/**
 * The controller's address on the lab's switch: the highest free address of the
 * first host's subnet (not a host, not a VIP, not broadcast).
 */
export function switchAddress(spec: LabSpec): string {
  const first = spec.hosts[0];
  if (!first) throw new Error('no hosts');
  const size = 2 ** (32 - first.prefixLen);
  const net = Math.floor(ipToInt(first.address) / size) * size;
  const used = new Set([...spec.hosts.map((h) => h.address), ...spec.vips]);
  for (let n = net + size - 2; n > net; n--) {
    const ip = intToIp(n);
    if (!used.has(ip)) return ip;
  }
  throw new Error(`no free address in ${intToIp(net)}/${first.prefixLen} for the lab switch`);
}

export interface ConnectionVarsFor {
  user: string;
  keyFile: string;
  knownHosts: string;
  proxyCommand: (host: LabHostSpec) => string;
  /** variables for group `all` (the lab's HTTPS files), unless the inventory sets them there already */
  allVars?: Record<string, unknown>;
}

/**
 * The lab's inventory: the original document (comments kept) with connection
 * variables added to every host entry, so `hapb run -i` reaches the machines
 * through the lab switch with the lab's key and the lab's known_hosts.
 */
export function renderLabInventory(text: string, spec: LabSpec, conn: ConnectionVarsFor): string {
  const doc: Document = parseDocument(text);
  const byName = new Map(spec.hosts.map((h) => [h.name, h]));
  const visit = (group: unknown): void => {
    if (!isMap(group)) return;
    const hosts = group.get('hosts');
    if (isMap(hosts)) {
      for (const pair of (hosts as YAMLMap).items) {
        const name = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
        const h = byName.get(name);
        if (!h) continue;
        if (!isMap(pair.value)) pair.value = doc.createNode({});
        const vars = pair.value as YAMLMap;
        if (h.derived6 && h.address6) vars.set(IPV6_VAR, h.address6);
        vars.set('ansible_user', conn.user);
        vars.set('ansible_ssh_private_key_file', conn.keyFile);
        vars.set(
          'ansible_ssh_common_args',
          `-o ProxyCommand="${conn.proxyCommand(h)}" -o UserKnownHostsFile=${conn.knownHosts} -o StrictHostKeyChecking=yes`,
        );
      }
    }
    const children = group.get('children');
    if (isMap(children)) for (const pair of (children as YAMLMap).items) visit(pair.value);
  };
  if (isMap(doc.contents)) for (const pair of (doc.contents as YAMLMap).items) visit(pair.value);
  if (conn.allVars && isMap(doc.contents)) {
    const top = doc.contents as YAMLMap;
    if (!isMap(top.get('all'))) top.set('all', doc.createNode({}));
    const all = top.get('all') as YAMLMap;
    if (!isMap(all.get('vars'))) all.set('vars', doc.createNode({}));
    const vars = all.get('vars') as YAMLMap;
    for (const [k, v] of Object.entries(conn.allVars)) if (!vars.has(k)) vars.set(k, v);
  }
  if (hasIpv6(spec) && isMap(doc.contents)) {
    // the lab's IPv6: the VIP (when derived) and nginx on [::] and to the backends over IPv6, unless the inventory says
    const top = doc.contents as YAMLMap;
    if (!isMap(top.get('all'))) top.set('all', doc.createNode({}));
    const all = top.get('all') as YAMLMap;
    if (!isMap(all.get('vars'))) all.set('vars', doc.createNode({}));
    const vars = all.get('vars') as YAMLMap;
    const vip6 = spec.vips6?.[0];
    const v6: Record<string, unknown> = {
      ...(spec.derivedVip6 && vip6 ? { [VIP6_VAR]: `${vip6}/${LAB_IPV6_PREFIX_LEN}` } : {}),
      nginx_director_ipv6: true,
      nginx_director_backend_ipv6: true,
    };
    for (const [k, v] of Object.entries(v6)) if (!vars.has(k)) vars.set(k, v);
  }
  return doc.toString({ lineWidth: 0 });
}
