/**
 * The sealed switch: a bridge in the lab's own namespace, one veth pair per
 * machine created straight between the switch namespace and the machine's
 * namespace (never in the root namespace), no default route anywhere.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { BRIDGE } from './names.js';
import { LAB_IPV6_PREFIX_LEN } from './inventory.js';
import { run, runOk } from './run.js';
import type { MachineState, PartitionState } from './state.js';

export const netnsExists = (ns: string): boolean => existsSync(`/run/netns/${ns}`);

async function ip(ns: string, ...args: string[]): Promise<string> {
  return runOk(['ip', '-n', ns, ...args]);
}

export async function createSwitch(ns: string, address: string, prefixLen: number): Promise<void> {
  if (!netnsExists(ns)) await runOk(['ip', 'netns', 'add', ns]);
  await ip(ns, 'link', 'set', 'lo', 'up');
  await run(['ip', '-n', ns, 'link', 'add', BRIDGE, 'type', 'bridge']);
  await ip(ns, 'addr', 'replace', `${address}/${prefixLen}`, 'dev', BRIDGE);
  await ip(ns, 'link', 'set', BRIDGE, 'up');
}

/** a fresh namespace for a machine with its interface plugged into the switch */
export async function plugMachine(switchNs: string, m: MachineState): Promise<void> {
  if (netnsExists(m.netns)) await runOk(['ip', 'netns', 'del', m.netns]);
  await runOk(['ip', 'netns', 'add', m.netns]);
  await ip(m.netns, 'link', 'set', 'lo', 'up');
  await run(['ip', '-n', switchNs, 'link', 'del', m.port]);
  await ip(switchNs, 'link', 'add', m.port, 'type', 'veth', 'peer', 'name', m.iface, 'netns', m.netns);
  await ip(switchNs, 'link', 'set', m.port, 'master', BRIDGE);
  // a machine keeps its MAC across power cycles, as a real NIC does (neighbours' ARP caches stay right)
  await ip(m.netns, 'link', 'set', m.iface, 'address', machineMac(m.netns));
  await ip(m.netns, 'addr', 'add', `${m.address}/${m.prefixLen}`, 'dev', m.iface);
  // IPv6 (ULA, fd00::/64 on the same sealed switch, no route anywhere): nodad,
  // the lab's addresses are unique by construction and usable at once
  if (m.address6) await ip(m.netns, '-6', 'addr', 'add', `${m.address6}/${LAB_IPV6_PREFIX_LEN}`, 'dev', m.iface, 'nodad');
  await ip(m.netns, 'link', 'set', m.iface, 'up');
  await ip(switchNs, 'link', 'set', m.port, m.cut ? 'down' : 'up');
}

/** remove a machine's veth pair and namespace (both may already be gone) */
/** Pull the cable: the machine's link vanishes from the switch at once. */
export async function pullLink(switchNs: string, m: MachineState): Promise<void> {
  if (netnsExists(switchNs)) await run(['ip', '-n', switchNs, 'link', 'del', m.port]);
}

export async function unplugMachine(switchNs: string, m: MachineState): Promise<void> {
  await pullLink(switchNs, m);
  if (netnsExists(m.netns)) await runOk(['ip', 'netns', 'del', m.netns]);
}

/** a stable, locally administered unicast MAC derived from a name */
export function machineMac(name: string): string {
  const h = createHash('sha256').update(name).digest();
  const bytes = [0x02, h[0] ?? 0, h[1] ?? 0, h[2] ?? 0, h[3] ?? 0, h[4] ?? 0];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export async function setPort(switchNs: string, port: string, up: boolean): Promise<void> {
  await ip(switchNs, 'link', 'set', port, up ? 'up' : 'down');
}

export const NFT_TABLE = 'hapb_partition';

/** nftables ruleset (bridge family) dropping frames between the two sides of every partition */
export function partitionRuleset(parts: PartitionState[], portOf: (host: string) => string): string {
  const rules: string[] = [];
  for (const p of parts) {
    for (const a of p.a) {
      for (const b of p.b) {
        rules.push(`    iifname "${portOf(a)}" oifname "${portOf(b)}" drop`);
        rules.push(`    iifname "${portOf(b)}" oifname "${portOf(a)}" drop`);
      }
    }
  }
  return [
    `table bridge ${NFT_TABLE} {`,
    '  chain forward {',
    '    type filter hook forward priority 0; policy accept;',
    ...rules,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** replace the partition table in the switch namespace (none when `parts` is empty) */
export async function applyPartitions(switchNs: string, parts: PartitionState[], portOf: (host: string) => string): Promise<void> {
  await run(['ip', 'netns', 'exec', switchNs, 'nft', 'delete', 'table', 'bridge', NFT_TABLE]);
  if (parts.length === 0) return;
  await runOk(['ip', 'netns', 'exec', switchNs, 'nft', '-f', '-'], { input: partitionRuleset(parts, portOf) });
}

export async function deleteNetns(ns: string): Promise<void> {
  if (netnsExists(ns)) await runOk(['ip', 'netns', 'del', ns]);
}
