/**
 * Fact gathering over any Connection in one shell round trip: the script
 * prints labelled sections (os-release, hostname, uname, `ip -j addr`,
 * `ip -j route`, package tools, init system), parsed here into Ansible's
 * facts. The result holds both `ansible_facts` (names without the prefix) and
 * the top-level `ansible_*` variables.
 */
import { HapbError } from '../errors/index.js';
import type { BecomeOptions, Connection } from '../connection/types.js';
import type { Vars } from '../core/types.js';
import { ipTextToJson, routeTextToJson } from './ip-text.js';
import { networkFacts } from './network.js';
import { distributionFacts, pkgMgr, serviceMgr } from './os.js';

const MARK = '@@hapb-facts@@';

/** The script run on the host (POSIX sh; tolerant of missing tools). */
export const FACTS_SCRIPT = [
  `s() { echo '${MARK} '"$1"; }`,
  's os-release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null',
  's debian_version; cat /etc/debian_version 2>/dev/null',
  's redhat-release; cat /etc/redhat-release 2>/dev/null',
  's hostname; hostname 2>/dev/null || cat /proc/sys/kernel/hostname',
  // hostname -f asks the resolver: bounded, so a host without DNS does not stall
  's fqdn; (timeout 3 hostname -f || hostname) 2>/dev/null',
  's kernel; uname -r',
  's kernel_version; uname -v',
  's machine; uname -m',
  's system; uname -s',
  's nodename; uname -n',
  's ip-addr; ip -j addr show 2>/dev/null',
  's route4; ip -j -4 route show default 2>/dev/null',
  's route6; ip -j -6 route show default 2>/dev/null',
  // iproute2 without JSON output (before 4.14): the same in text
  'if ! ip -j link show lo >/dev/null 2>&1; then',
  '  s ip-link-text; ip -o link show 2>/dev/null',
  '  s ip-addr-text; ip -o addr show 2>/dev/null',
  '  s route4-text; ip -4 route show default 2>/dev/null',
  '  s route6-text; ip -6 route show default 2>/dev/null',
  'fi',
  's pkg; for p in apt-get dnf dnf5 yum zypper apk pacman; do command -v "$p" >/dev/null 2>&1 && echo "$p"; done',
  's systemd; [ -d /run/systemd/system ] && echo yes',
  's pid1; cat /proc/1/comm 2>/dev/null',
  's machine-id; cat /etc/machine-id 2>/dev/null',
  's user; id -un',
  's end',
].join('\n');

/** Split the script's output into its sections. */
export function splitSections(output: string): Map<string, string> {
  const sections = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(`${MARK} `)) {
      if (name !== undefined) sections.set(name, lines.join('\n').trim());
      name = line.slice(MARK.length + 1).trim();
      lines = [];
    } else if (name !== undefined) {
      lines.push(line);
    }
  }
  if (name !== undefined) sections.set(name, lines.join('\n').trim());
  return sections;
}

/** Facts (names without `ansible_`) from the script's output. */
export function parseFacts(output: string): Record<string, unknown> {
  const sec = splitSections(output);
  const get = (k: string): string => sec.get(k) ?? '';
  const dist = distributionFacts({
    osRelease: get('os-release'),
    debianVersion: get('debian_version'),
    redhatRelease: get('redhat-release'),
  });
  const net = sec.has('ip-link-text')
    ? networkFacts(
        ipTextToJson(get('ip-link-text'), get('ip-addr-text')),
        routeTextToJson(get('route4-text')),
        routeTextToJson(get('route6-text')),
      )
    : networkFacts(get('ip-addr'), get('route4'), get('route6'));
  const hostname = get('hostname').split('.')[0] ?? '';
  const fqdn = get('fqdn') || get('hostname');
  const facts: Record<string, unknown> = {
    ...dist,
    hostname,
    nodename: get('nodename'),
    fqdn,
    domain: fqdn.startsWith(`${hostname}.`) ? fqdn.slice(hostname.length + 1) : '',
    kernel: get('kernel'),
    kernel_version: get('kernel_version'),
    architecture: get('machine'),
    machine: get('machine'),
    system: get('system'),
    machine_id: get('machine-id'),
    user_id: get('user'),
    pkg_mgr: pkgMgr(dist.os_family, get('pkg').split('\n').filter(Boolean)),
    service_mgr: serviceMgr(get('systemd') === 'yes', get('pid1')),
    interfaces: net.interfaces,
    default_ipv4: net.default_ipv4,
    default_ipv6: net.default_ipv6,
    all_ipv4_addresses: net.all_ipv4_addresses,
    all_ipv6_addresses: net.all_ipv6_addresses,
  };
  for (const [key, iface] of Object.entries(net.byKey)) {
    if (!(key in facts)) facts[key] = iface;
  }
  return facts;
}

/** `{ ansible_facts: facts, ansible_<name>: value... }` */
export function factsToVars(facts: Record<string, unknown>): Vars {
  const vars: Vars = { ansible_facts: facts };
  for (const [k, v] of Object.entries(facts)) vars[`ansible_${k}`] = v;
  return vars;
}

/** Gather facts from a host over its connection. */
export async function gatherFacts(conn: Connection, become?: BecomeOptions): Promise<Vars> {
  const r = await conn.exec(FACTS_SCRIPT, become ? { become } : {});
  const sections = splitSections(r.stdout);
  if (!sections.has('end')) {
    const why = r.stderr.trim().split('\n').slice(-3).join(' ');
    throw new HapbError(`${conn.host}: gathering facts failed (rc ${r.rc})${why ? `: ${why}` : ''}`);
  }
  return factsToVars(parseFacts(r.stdout));
}
