/** `lab status` and `lab list`: what runs, which services are active, who holds each VIP. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findLeader, machineAlive, machineEnv } from './machine.js';
import { netnsExists } from './network.js';
import { labsRunDir, varRoot } from './paths.js';
import { pidNamespaceMemory } from './procs.js';
import { run } from './run.js';
import { loadLab, readState, type LabState } from './state.js';
import { nsenterArgv } from './exec.js';

export const SERVICES = ['nginx', 'keepalived', 'ssh'] as const;
export type Service = (typeof SERVICES)[number];

export interface MachineStatus {
  host: string;
  address: string;
  groups: string[];
  power: 'on' | 'off';
  /** systemctl is-system-running, or "off" */
  system: string;
  services: Partial<Record<Service, string>>;
  cut: boolean;
  memoryBytes: number;
}

export interface LabStatus {
  name: string;
  profile: string;
  switchAddress: string;
  machines: MachineStatus[];
  /** for every VIP: the machines that hold it (none: nobody; two: split brain) */
  vips: Record<string, string[]>;
  partitions: { a: string[]; b: string[] }[];
}

interface IpAddrJson {
  ifname?: string;
  flags?: string[];
  addr_info?: { family?: string; local?: string; scope?: string }[];
}

/**
 * IPv4 and global IPv6 addresses a network namespace holds on the network: those of its
 * interfaces, not of loopback. An address only on `lo` (profile hapb keeps the
 * VIP there, unannounced, so a director that yields it can still answer the
 * connections it took) is not "held": nobody on the segment reaches it there.
 */
export async function addressesIn(netns: string): Promise<string[]> {
  if (!netnsExists(netns)) return [];
  const r = await run(['ip', '-n', netns, '-j', 'addr', 'show']);
  if (r.rc !== 0) return [];
  const links = JSON.parse(r.stdout || '[]') as IpAddrJson[];
  return links
    .filter((l) => !(l.flags ?? []).includes('LOOPBACK'))
    .flatMap((l) => (l.addr_info ?? []).filter((a) => (a.family === 'inet' || (a.family === 'inet6' && a.scope === 'global')) && a.local).map((a) => a.local ?? ''));
}

/** Which machines hold each VIP of the lab (or `vips`), read from every running machine's addresses. */
export async function vipHolders(lab: string, vips?: string[]): Promise<Record<string, string[]>> {
  return holdersOf(loadLab(lab), vips);
}

async function holdersOf(state: LabState, vips?: string[]): Promise<Record<string, string[]>> {
  const wanted = vips ?? state.vips;
  const out: Record<string, string[]> = Object.fromEntries(wanted.map((v) => [v, [] as string[]]));
  const all = await Promise.all(
    state.machines.map(async (m) => ({ host: m.host, addrs: machineAlive(m) ? await addressesIn(m.netns) : [] })),
  );
  for (const { host, addrs } of all) {
    for (const v of wanted) if (addrs.includes(v)) out[v]?.push(host);
  }
  return out;
}

export async function labStatus(lab: string): Promise<LabStatus> {
  const state = loadLab(lab);
  const machines = await Promise.all(
    state.machines.map(async (m): Promise<MachineStatus> => {
      const alive = machineAlive(m);
      const leader = alive && m.pid !== undefined ? findLeader(m.pid) : undefined;
      const base = { host: m.host, address: m.address, groups: m.groups, cut: m.cut ?? false };
      if (leader === undefined) return { ...base, power: 'off', system: 'off', services: {}, memoryBytes: 0 };
      const sys = await run(nsenterArgv(leader, ['systemctl', 'is-system-running']), { env: machineEnv() });
      const act = await run(nsenterArgv(leader, ['systemctl', 'is-active', ...SERVICES]), { env: machineEnv() });
      const lines = act.stdout.trim().split('\n');
      const services = Object.fromEntries(SERVICES.map((s, i) => [s, lines[i] ?? 'unknown']));
      return { ...base, power: 'on', system: sys.stdout.trim(), services, memoryBytes: pidNamespaceMemory(leader) };
    }),
  );
  return {
    name: state.name,
    profile: state.profile,
    switchAddress: state.switchAddress,
    machines,
    vips: await holdersOf(state, [...state.vips, ...(state.vips6 ?? [])]),
    partitions: state.partitions,
  };
}

export interface LabSummary {
  name: string;
  machines: number;
  running: number;
  created: string;
}

/** Every lab with a state on this box (also half-removed ones, so `lab down` can be run on them). */
export function listLabs(): LabSummary[] {
  const names = new Set<string>();
  for (const dir of [labsRunDir(), join(varRoot(), 'labs')]) {
    if (existsSync(dir)) for (const n of readdirSync(dir)) names.add(n);
  }
  const out: LabSummary[] = [];
  for (const name of [...names].sort()) {
    const s = readState(name);
    out.push({
      name,
      machines: s?.machines.length ?? 0,
      running: s ? s.machines.filter((m) => machineAlive(m)).length : 0,
      created: s?.created ?? '',
    });
  }
  return out;
}

/** labs on this box whose state says they use image `hash` (running or not: their overlays sit on it) */
export function labsOnImage(hash: string): string[] {
  return listLabs()
    .map((l) => readState(l.name))
    .filter((s): s is LabState => s !== undefined && s.image.hash === hash)
    .map((s) => s.name);
}
