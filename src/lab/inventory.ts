/**
 * What the lab needs from an Ansible-style YAML inventory: every host with its
 * address and interface, the groups, and the VIPs. Also renders the lab's own
 * inventory: the original plus connection variables through the lab's switch.
 */
import { readFileSync } from 'node:fs';
import { isMap, parseDocument, type Document, type YAMLMap } from 'yaml';
import { loadYaml } from '../yaml/load.js';
import { SchemaError } from '../errors/index.js';
import { checkHostName } from './names.js';

export interface LabHostSpec {
  name: string;
  /** ansible_host */
  address: string;
  prefixLen: number;
  /** interface name inside the machine */
  iface: string;
  groups: string[];
}

export interface LabSpec {
  source: string;
  hosts: LabHostSpec[];
  /** virtual IPs (var `vip`, or a list in `vips`) */
  vips: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** variable names that may name the machine's interface, first found wins */
export const IFACE_VARS = ['lab_interface', 'vrrp_interface', 'keepalived_interface', 'interface'] as const;
export const DEFAULT_IFACE = 'eth0';
export const DEFAULT_PREFIX_LEN = 24;

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IFACE_RE = /^[A-Za-z0-9_.-]{1,15}$/;

interface Collected {
  vars: Obj[];
  groups: string[];
}

/** Parse inventory text (file name for messages). Throws SchemaError with positions. */
export function parseLabInventory(text: string, file: string): LabSpec {
  const doc = loadYaml<unknown>(text, file);
  const root = doc.value;
  if (!isObj(root)) throw new SchemaError('an inventory must be a mapping of groups', doc.pos(''), 'start with `all:`');
  const hosts = new Map<string, { hostVars: Obj; chain: Collected[]; pointer: string }>();
  const order: string[] = [];
  // walk groups depth-first, remembering the chain of group vars (outer first)
  const walk = (name: string, group: unknown, pointer: string, chain: Collected[]): void => {
    if (group === null || group === undefined) return;
    if (!isObj(group)) throw new SchemaError(`group "${name}" must be a mapping`, doc.pos(pointer));
    const here: Collected = { vars: isObj(group['vars']) ? [group['vars']] : [], groups: [name] };
    const next = [...chain, here];
    const hs = group['hosts'];
    if (hs !== undefined && hs !== null) {
      if (!isObj(hs)) throw new SchemaError(`hosts of group "${name}" must be a mapping`, doc.pos(`${pointer}/hosts`));
      for (const [h, hv] of Object.entries(hs)) {
        const prev = hosts.get(h);
        const hostVars = { ...(prev?.hostVars ?? {}), ...(isObj(hv) ? hv : {}) };
        if (!prev) order.push(h);
        hosts.set(h, { hostVars, chain: [...(prev?.chain ?? []), ...next], pointer: prev?.pointer ?? `${pointer}/hosts/${h}` });
      }
    }
    const children = group['children'];
    if (isObj(children)) {
      for (const [c, cg] of Object.entries(children)) walk(c, cg, `${pointer}/children/${c}`, next);
    }
  };
  for (const [g, group] of Object.entries(root)) walk(g, group, `/${g}`, []);
  if (order.length === 0) throw new SchemaError('the inventory has no hosts', doc.pos(''));

  const vips = new Set<string>();
  const result: LabHostSpec[] = [];
  for (const name of order) {
    const entry = hosts.get(name);
    if (!entry) continue;
    const pos = doc.pos(entry.pointer);
    try {
      checkHostName(name);
    } catch {
      throw new SchemaError(`host name "${name}" cannot name a lab machine`, pos, 'use letters, digits, _ and -');
    }
    const merged: Obj = {};
    for (const c of entry.chain) for (const v of c.vars) Object.assign(merged, v);
    Object.assign(merged, entry.hostVars);
    const address = merged['ansible_host'] ?? name;
    if (typeof address !== 'string' || !IPV4_RE.test(address)) {
      throw new SchemaError(`host "${name}" needs ansible_host: an IPv4 address for the lab`, pos, 'e.g. ansible_host: 192.168.0.40');
    }
    const ifaceVar = IFACE_VARS.map((k) => merged[k]).find((v) => typeof v === 'string');
    const iface = typeof ifaceVar === 'string' ? ifaceVar : DEFAULT_IFACE;
    if (!IFACE_RE.test(iface)) throw new SchemaError(`host "${name}": invalid interface name "${iface}"`, pos, 'at most 15 characters');
    const plen = merged['lab_prefix_len'] ?? DEFAULT_PREFIX_LEN;
    if (typeof plen !== 'number' || !Number.isInteger(plen) || plen < 8 || plen > 30) {
      throw new SchemaError(`host "${name}": lab_prefix_len must be an integer 8-30`, pos);
    }
    const groups = [...new Set(entry.chain.flatMap((c) => c.groups))].filter((g) => g !== 'all');
    for (const v of [merged['vip'], ...(Array.isArray(merged['vips']) ? merged['vips'] : [])]) {
      if (typeof v === 'string' && IPV4_RE.test(v.split('/')[0] ?? '')) vips.add(v.split('/')[0] ?? v);
    }
    result.push({ name, address, prefixLen: plen, iface, groups });
  }
  const seen = new Map<string, string>();
  for (const h of result) {
    const other = seen.get(h.address);
    if (other) throw new SchemaError(`hosts "${other}" and "${h.name}" share the address ${h.address}`, doc.pos(hosts.get(h.name)?.pointer ?? ''));
    seen.set(h.address, h.name);
  }
  return { source: file, hosts: result, vips: [...vips] };
}

export function readLabInventory(file: string): LabSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SchemaError(`cannot read the inventory: ${(err as Error).message}`, { file, line: 1, col: 1 }, 'pass one with -i');
  }
  return parseLabInventory(text, file);
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
  return doc.toString({ lineWidth: 0 });
}
