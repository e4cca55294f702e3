/**
 * The record of everything a lab created, written before each thing is made,
 * so `lab down` can remove a lab left behind by a killed process. Kept in
 * /run/hapb/labs/<lab>/state.json and copied to /var/lib/hapb/labs/<lab>/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Profile } from './types.js';
import { labDir, statePath } from './paths.js';
import { usageError } from './errors.js';

export interface MachineState {
  host: string;
  address: string;
  prefixLen: number;
  iface: string;
  groups: string[];
  netns: string;
  /** switch-side veth name in the switch namespace */
  port: string;
  machine: string;
  /** persistent dirs: overlay upper, work and the mount point */
  dir: string;
  root: string;
  /** systemd-nspawn's PID and its start time (jiffies since boot, /proc/PID/stat field 22) */
  pid?: number;
  pidStart?: number;
  /** PID (in our namespace) of the machine's PID 1 */
  leader?: number;
  /** the last wanted power state */
  power: 'on' | 'off';
  cut?: boolean;
  /** the machine's IPv6 address (lab up --ipv6, or ipv6_address in the inventory), /64 on the same interface */
  address6?: string;
}

export interface PartitionState {
  a: string[];
  b: string[];
}

export interface LabState {
  version: 1;
  name: string;
  created: string;
  inventory: string;
  profile: Profile;
  image: { hash: string; root: string };
  switchNs: string;
  switchAddress: string;
  vips: string[];
  /** active-active (keepalived_vips): VIP → the director with its highest priority */
  vipPreferred?: Record<string, string>;
  /** the IPv6 VIPs (keepalived_vip6, address only), when the lab runs IPv6 */
  vips6?: string[];
  machines: MachineState[];
  partitions: PartitionState[];
  /** `lab up --monitor`: exporters on every director and backend, Prometheus on the client */
  monitor?: boolean;
}

let queue: Promise<void> = Promise.resolve();

/** Write the state (atomically, in call order: concurrent callers in this process queue up). */
export function writeState(state: LabState): Promise<void> {
  const next = queue.then(() => writeStateNow(state));
  queue = next.catch(() => undefined);
  return next;
}

async function writeStateNow(state: LabState): Promise<void> {
  const text = JSON.stringify(state, null, 2) + '\n';
  for (const file of [statePath(state.name), join(labDir(state.name), 'state.json')]) {
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, file);
  }
}

/** the lab's state: the run-time copy, else the persistent copy, else undefined */
export function readState(lab: string): LabState | undefined {
  for (const file of [statePath(lab), join(labDir(lab), 'state.json')]) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LabState;
  }
  return undefined;
}

/** the lab's state or a usage error naming the way to create it */
export function loadLab(lab: string): LabState {
  const state = readState(lab);
  if (!state) throw usageError(`no lab named "${lab}"`, `start one with: hapb lab up --name ${lab}`);
  return state;
}

export function machineOf(state: LabState, host: string): MachineState {
  const m = state.machines.find((x) => x.host === host);
  if (!m) {
    throw usageError(`lab "${state.name}" has no host "${host}"`, `hosts: ${state.machines.map((x) => x.host).join(', ')}`);
  }
  return m;
}
