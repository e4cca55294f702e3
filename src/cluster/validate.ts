/**
 * validateCluster: the mistakes in an inventory that would break the HA
 * cluster, found before any host is touched, each with the file:line of the
 * variable at fault (Inventory.varPos).
 */
import { SchemaError, type SourcePos } from '../errors/index.js';
import { hostVars, type Inventory } from '../inventory/index.js';
import { hostsOfGroup } from '../inventory/graph.js';
import { inSubnet, parseCidr, parseIPv4 } from '../net/ipv4.js';
import { checkVipList, usesVipList } from './vips.js';
import { checkIpv6 } from './ipv6.js';

/** The inventory variables the cluster roles read. */
export const ClusterVars = {
  address: 'ansible_host',
  vip: 'keepalived_vip',
  routerId: 'keepalived_router_id',
  priority: 'keepalived_priority',
} as const;

export interface ClusterGroups {
  /** group of the directors sharing the VIP (default `directors`) */
  directors: string;
  /** group of the web backends (default `web`) */
  web: string;
}

export interface ClusterReport {
  errors: SchemaError[];
  warnings: string[];
}

const defaultGroups: ClusterGroups = { directors: 'directors', web: 'web' };

/**
 * The variables to check, when not the inventory's own: the FINAL variables of
 * each host (role defaults, inventory, play vars, role vars, -e...), and where
 * each final value comes from.
 */
export interface FinalVars {
  vars: Map<string, Record<string, unknown>>;
  pos(host: string, key: string): SourcePos | undefined;
}

/**
 * Values the keepalived role writes into shell lines or systemd units: each
 * must match its pattern (the role also quotes what a shell reads with `quote`).
 */
const NUMBER_OR_EMPTY = /^(|-?\d+(\.\d+)?)$/;

export const ShellSafe: Record<string, { pattern: RegExp; what: string }> = {
  keepalived_interface: { pattern: /^[A-Za-z0-9_.@-]{1,15}$/, what: 'a network interface name (letters, digits, _ . @ -, at most 15)' },
  keepalived_script_user: { pattern: /^[a-z_][a-z0-9_-]{0,31}$/, what: 'a user name (lower case letters, digits, _ -)' },
  keepalived_nginx_down_file: { pattern: /^(|\/[A-Za-z0-9._@+/-]*)$/, what: "an absolute path of letters, digits and _ . @ + - / (or '')" },
  keepalived_firewall_dir: { pattern: /^\/[A-Za-z0-9._@+/-]*$/, what: 'an absolute path of letters, digits and _ . @ + - /' },
  keepalived_check_script_path: { pattern: /^\/[A-Za-z0-9._@+/-]*$/, what: 'an absolute path of letters, digits and _ . @ + - /' },
  keepalived_handback_script_path: { pattern: /^\/[A-Za-z0-9._@+/-]*$/, what: 'an absolute path of letters, digits and _ . @ + - /' },
  keepalived_notify_user: { pattern: /^[a-z_][a-z0-9_-]{0,31}$/, what: 'a user name (lower case letters, digits, _ -)' },
  keepalived_notify_master_wrapper_path: { pattern: /^\/[A-Za-z0-9._@+/-]*$/, what: 'an absolute path of letters, digits and _ . @ + - /' },
  keepalived_metrics_textfile: { pattern: /^(|\/[A-Za-z0-9._@+/-]*)$/, what: "an absolute path of letters, digits and _ . @ + - / (or '')" },
  keepalived_metrics_state_dir: { pattern: /^\/[A-Za-z0-9._@+/-]*$/, what: 'an absolute path of letters, digits and _ . @ + - /' },
  keepalived_metrics_script_path: { pattern: /^\/[A-Za-z0-9._@+/-]*$/, what: 'an absolute path of letters, digits and _ . @ + - /' },
  keepalived_config: { pattern: /^\/[A-Za-z0-9._@+/-]*$/, what: 'an absolute path of letters, digits and _ . @ + - /' },
  keepalived_instance_name: { pattern: /^[A-Za-z0-9_.-]+$/, what: 'a name of letters, digits and _ . -' },
  keepalived_remove_vip_delay: { pattern: NUMBER_OR_EMPTY, what: "a number of seconds or ''" },
  keepalived_handback_window: { pattern: NUMBER_OR_EMPTY, what: "a number of seconds or ''" },
  keepalived_handback_heartbeat_port: { pattern: /^(|\d{1,5})$/, what: "a UDP port number or ''" },
  keepalived_handback_heartbeat_timeout_ms: { pattern: /^\d+$/, what: 'a number of milliseconds' },
  keepalived_garp_lower_prio_repeat: { pattern: NUMBER_OR_EMPTY, what: "a number or ''" },
  keepalived_garp_master_refresh: { pattern: NUMBER_OR_EMPTY, what: "a number or ''" },
  keepalived_script_interval: { pattern: NUMBER_OR_EMPTY, what: "a number or ''" },
  keepalived_script_timeout: { pattern: NUMBER_OR_EMPTY, what: "a number or ''" },
  keepalived_script_fall: { pattern: NUMBER_OR_EMPTY, what: "a number or ''" },
  keepalived_script_rise: { pattern: NUMBER_OR_EMPTY, what: "a number or ''" },
  keepalived_script_weight: { pattern: NUMBER_OR_EMPTY, what: "a number or ''" },
};

/**
 * The roles write their variables into configuration files (nginx.conf,
 * keepalived.conf, systemd units) and shell lines: a string value of a role
 * variable must not hold characters that end a directive or a word there.
 * The page body and the VRRP password are checked for line breaks only.
 */
export const ROLE_PREFIXES = ['keepalived_', 'nginx_director_', 'web_backend_'] as const;
const CONFIG_UNSAFE = /[\n\r;{}"'`$\\]/;
const LINE_BREAK = /[\n\r]/;
const FREE_TEXT = new Set(['web_backend_page']);
const NO_BLANKS = new Set(['keepalived_auth_pass']);

/** Check the inventory for the cluster. Errors block a run; warnings do not. */
export function validateCluster(inv: Inventory, groups: Partial<ClusterGroups> = {}, final?: FinalVars): ClusterReport {
  const g: ClusterGroups = { ...defaultGroups, ...groups };
  const errors: SchemaError[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const error = (detail: string, pos: SourcePos | undefined, hint?: string): void => {
    const key = `${pos ? `${pos.file}:${pos.line}:${pos.col}` : ''}|${detail}`;
    if (seen.has(key)) return;
    seen.add(key);
    errors.push(new SchemaError(detail, pos, hint));
  };
  const where = (host: string, key: string): SourcePos | undefined =>
    final?.pos(host, key) ?? inv.varPos(host, key) ?? inv.hosts.get(host)?.pos ?? fileStart(inv);
  const groupPos = (name: string): SourcePos => inv.groups.get(name)?.pos ?? fileStart(inv);

  const directors = hostsOfGroup(inv, g.directors);
  const web = hostsOfGroup(inv, g.web);
  const vars = new Map([...inv.hosts.keys()].map((h) => [h, final?.vars.get(h) ?? hostVars(inv, h)]));
  const get = (host: string, key: string): unknown => vars.get(host)?.[key];
  /** A VRRP setting keepalived sends in one byte: 1 to 255, or an error and undefined. */
  const byteSetting = (host: string, key: string, hint?: string): number | undefined => {
    const value = get(host, key);
    const n = asInteger(value);
    if (n !== undefined && n >= 1 && n <= 255) return n;
    error(`director ${host}: ${key} must be a whole number from 1 to 255 (got ${show(value)})`, where(host, key), hint);
    return undefined;
  };

  checkAddresses(inv, vars, where, error);
  checkPorts(vars, where, error);
  // every host that has them (the keepalived role may be played on any group)
  for (const d of vars.keys()) {
    for (const [key, rule] of Object.entries(ShellSafe)) {
      const value = get(d, key);
      if (value === undefined) continue;
      const text = typeof value === 'number' ? String(value) : value;
      if (typeof text !== 'string' || !rule.pattern.test(text)) {
        error(`${directors.includes(d) ? 'director' : 'host'} ${d}: ${key} must be ${rule.what} (got ${show(value)})`, where(d, key), 'the keepalived role writes this value into shell lines and systemd units');
      }
    }
  }
  for (const d of vars.keys()) checkTrackInterfaces(d, get(d, 'keepalived_track_interfaces'), where, error);
  for (const [host, v] of vars) {
    for (const [key, value] of Object.entries(v)) {
      if (FREE_TEXT.has(key) || !ROLE_PREFIXES.some((p) => key.startsWith(p))) continue;
      const bad = NO_BLANKS.has(key) ? /\s/ : CONFIG_UNSAFE;
      const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
      if (texts.some((t) => bad.test(t) || LINE_BREAK.test(t))) {
        error(
          `${key} of host ${host} holds ${NO_BLANKS.has(key) ? 'a blank or line break' : 'a character the role cannot write safely (; { } quotes $ ` \\ or a line break)'}`,
          where(host, key),
          'the roles write this value into configuration files and shell lines, where such a character would change their meaning',
        );
      }
    }
  }

  if (web.length === 0) {
    error(`no web backends: the group '${g.web}' has no hosts`, groupPos(g.web), `add hosts under ${g.web}: hosts:`);
  }
  if (directors.length === 0) {
    error(`no directors: the group '${g.directors}' has no hosts`, groupPos(g.directors), `add hosts under ${g.directors}: hosts:`);
    return { errors, warnings };
  }
  if (directors.length === 1) {
    warnings.push(
      `only one director (${directors[0] ?? ''}) in '${g.directors}': no high availability, the VIP has nowhere to move`,
    );
  }

  // Addresses of every host, to catch a VIP that collides with one.
  const owners = new Map<number, string>();
  for (const [host, v] of vars) {
    const a = typeof v[ClusterVars.address] === 'string' ? parseIPv4(v[ClusterVars.address] as string) : undefined;
    if (a !== undefined && !owners.has(a)) owners.set(a, host);
  }

  // active-active: keepalived_vips replaces keepalived_vip, _router_id and _priority
  const multi = usesVipList(directors, get);
  checkIpv6({ hosts: [...vars.keys()], directors, web, multi, get, where, error });
  if (multi) {
    checkVipList({ directors, get, where, error, warn: (w) => warnings.push(w), owners });
  }

  const first = directors[0] as string;
  const priorities = new Map<number, string>();
  for (const d of directors) {
    const addrText = get(d, ClusterVars.address);
    const addr = typeof addrText === 'string' ? parseIPv4(addrText) : undefined;
    if (addr === undefined) {
      error(
        `director ${d}: ${ClusterVars.address} must be an IPv4 address (got ${show(addrText)})`,
        where(d, ClusterVars.address),
        'the directors exchange VRRP adverts and hold the VIP on this address',
      );
    }
    if (multi) continue;

    // VIP: present, address/prefix, in the director's subnet, nobody's own address.
    const vipText = get(d, ClusterVars.vip);
    const vip = typeof vipText === 'string' ? parseCidr(vipText) : undefined;
    if (vip === undefined || vip.prefix === undefined) {
      error(
        `director ${d}: ${ClusterVars.vip} must be an IPv4 address with its prefix length (got ${show(vipText)})`,
        where(d, ClusterVars.vip),
        `for example ${ClusterVars.vip}: 192.168.0.150/24, in the directors' subnet`,
      );
    } else {
      if (addr !== undefined && !inSubnet(addr, vip.value, vip.prefix)) {
        error(
          `VIP ${String(vipText)} is outside the subnet of director ${d} (${String(addrText)})`,
          where(d, ClusterVars.vip),
          'the VIP must be in the directors\' subnet, or clients cannot reach it after a move',
        );
      }
      const owner = owners.get(vip.value);
      if (owner !== undefined) {
        error(
          `VIP ${vip.address} is the address of host ${owner}`,
          where(d, ClusterVars.vip),
          'the VIP must be a free address: when it moves, the old holder would keep answering for it',
        );
      }
      if (d !== first && get(d, ClusterVars.vip) !== get(first, ClusterVars.vip)) {
        error(
          `directors ${first} and ${d} have different VIPs (${show(get(first, ClusterVars.vip))} and ${show(vipText)})`,
          where(d, ClusterVars.vip),
          'set the VIP once, in the directors group vars',
        );
      }
    }

    const ridNum = byteSetting(d, ClusterVars.routerId, 'VRRP carries the virtual router id in one byte; 0 is reserved');
    if (ridNum !== undefined && d !== first && ridNum !== asInteger(get(first, ClusterVars.routerId))) {
      error(
        `directors ${first} and ${d} have different virtual router ids (${show(get(first, ClusterVars.routerId))} and ${show(get(d, ClusterVars.routerId))})`,
        where(d, ClusterVars.routerId),
        'the directors sharing one VIP must use the same virtual router id',
      );
    }

    const prioNum = byteSetting(d, ClusterVars.priority);
    if (prioNum !== undefined) {
      const other = priorities.get(prioNum);
      if (other !== undefined) {
        error(
          `directors ${other} and ${d} have the same priority ${prioNum}`,
          where(d, ClusterVars.priority),
          'give each director its own priority: the highest holds the VIP, the next takes it over',
        );
      } else {
        priorities.set(prioNum, d);
      }
    }
  }

  const prios = directors.map((d) => asInteger(get(d, ClusterVars.priority)));
  if (!multi && prios.every((p): p is number => p !== undefined) && prios.some((p, i) => i > 0 && p < (prios[i - 1] as number))) {
    warnings.push(
      `directors are not listed lowest priority first (${directors.join(', ')}): site.yml converges them in this order, ` +
        'so the VIP holder would be changed before its backup',
    );
  }
  return { errors, warnings };
}

/** Two hosts with the same ansible_host. */
function checkAddresses(
  inv: Inventory,
  vars: Map<string, Record<string, unknown>>,
  where: (host: string, key: string) => SourcePos | undefined,
  error: (detail: string, pos: SourcePos | undefined, hint?: string) => void,
): void {
  const byAddress = new Map<string, string>();
  for (const host of inv.hosts.keys()) {
    const a = vars.get(host)?.[ClusterVars.address];
    if (typeof a !== 'string') continue;
    const key = a.trim().toLowerCase();
    const other = byAddress.get(key);
    if (other !== undefined) {
      error(
        `hosts ${other} and ${host} have the same address ${a}`,
        where(host, ClusterVars.address),
        'every host needs its own ansible_host',
      );
    } else {
      byAddress.set(key, host);
    }
  }
}

/** Every `port` / `*_port` variable, and every item of a `*_ports` list, is a TCP port. */
function checkPorts(
  vars: Map<string, Record<string, unknown>>,
  where: (host: string, key: string) => SourcePos | undefined,
  error: (detail: string, pos: SourcePos | undefined, hint?: string) => void,
): void {
  for (const [host, v] of vars) {
    for (const [key, value] of Object.entries(v)) {
      const items = key === 'port' || key.endsWith('_port') ? [value] : key.endsWith('_ports') && Array.isArray(value) ? value : [];
      for (const item of items) {
        const n = asInteger(item);
        if (n === undefined || n < 1 || n > 65535) {
          error(`${key} of host ${host} must be a port from 1 to 65535 (got ${show(item)})`, where(host, key));
        }
      }
    }
  }
}

function asInteger(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return undefined;
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function fileStart(inv: Inventory): SourcePos {
  return { file: inv.source, line: 1, col: 1 };
}

/** keepalived_track_interfaces: interface names, or {name, weight} with a weight from -253 to 253 */
function checkTrackInterfaces(host: string, value: unknown, where: (host: string, key: string) => SourcePos | undefined, error: (detail: string, pos: SourcePos | undefined, hint?: string) => void): void {
  if (value === undefined || value === null) return;
  const key = 'keepalived_track_interfaces';
  const hint = 'list interface names, or mappings such as {name: eth1, weight: -20}';
  if (!Array.isArray(value)) {
    error(`host ${host}: ${key} must be a list (got ${show(value)})`, where(host, key), hint);
    return;
  }
  const iface = ShellSafe.keepalived_interface?.pattern ?? /^[A-Za-z0-9_.@-]{1,15}$/;
  for (const item of value) {
    const obj = typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : undefined;
    const name = obj ? obj.name : item;
    if (typeof name !== 'string' || !iface.test(name)) {
      error(`host ${host}: ${key} names ${show(name)}, not a network interface name (letters, digits, _ . @ -, at most 15)`, where(host, key), hint);
      continue;
    }
    if (obj && obj.weight !== undefined) {
      const w = asInteger(obj.weight);
      if (w === undefined || w < -253 || w > 253) error(`host ${host}: ${key}: the weight of ${name} must be a whole number from -253 to 253 (got ${show(obj.weight)})`, where(host, key), hint);
    }
  }
}
