/**
 * Faults for drills: power a machine off and on, cut and restore its link,
 * partition sets of machines from each other on the switch.
 */
import { usageError } from './errors.js';
import { killMachine, machineAlive, removeCgroups, removeNspawnLeftovers, startMachine, waitRunning } from './machine.js';
import { applyPartitions, plugMachine, pullLink, setPort, unplugMachine } from './network.js';
import { findMachineNspawns } from './procs.js';
import { withLabLock } from './lock.js';
import { ensureInotifyRoom } from './host-limits.js';
import { loadLab, machineOf, writeState, type LabState } from './state.js';

/**
 * Abrupt power off: every process of the machine dies at once; its veth goes
 * away. Returns the epoch ms just after its link went (from then on the
 * network hears nothing of it), for drills that line faults up with requests.
 */
export async function poweroff(lab: string, host: string): Promise<number> {
  return withLabLock(lab, () => poweroffLocked(lab, host));
}

async function poweroffLocked(lab: string, host: string): Promise<number> {
  const state = loadLab(lab);
  const m = machineOf(state, host);
  // As with a real power loss the network hears nothing more, not even a
  // reset from a dying kernel: the link goes first, then every process.
  await pullLink(state.switchNs, m);
  const silentAt = Date.now();
  await killMachine(m, findMachineNspawns(m.machine));
  await removeCgroups(m);
  // the overlay stays mounted: poweron takes the same lock again, only the propagation dir goes
  await removeNspawnLeftovers(m, undefined);
  await unplugMachine(state.switchNs, m);
  m.power = 'off';
  await writeState(state);
  return silentAt;
}

/** Boot a powered-off machine again on its own overlay (files written before survive). No-op when on. */
export async function poweron(lab: string, host: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  await withLabLock(lab, () => poweronLocked(lab, host, opts));
}

async function poweronLocked(lab: string, host: string, opts: { timeoutMs?: number }): Promise<void> {
  const state = loadLab(lab);
  const m = machineOf(state, host);
  if (machineAlive(m)) return;
  await plugMachine(state.switchNs, m);
  await applyPartitions(state.switchNs, state.partitions, portLookup(state));
  m.power = 'on';
  ensureInotifyRoom(1);
  await startMachine(m);
  await writeState(state);
  await waitRunning(m, opts.timeoutMs);
  await writeState(state);
}

/**
 * Link down on the switch side: the machine keeps running but hears nothing.
 * Returns the epoch ms just after the link went down.
 */
export async function cut(lab: string, host: string): Promise<number> {
  return setCut(lab, host, true);
}

export async function uncut(lab: string, host: string): Promise<number> {
  return setCut(lab, host, false);
}

async function setCut(lab: string, host: string, isCut: boolean): Promise<number> {
  return withLabLock(lab, () => setCutLocked(lab, host, isCut));
}

async function setCutLocked(lab: string, host: string, isCut: boolean): Promise<number> {
  const state = loadLab(lab);
  const m = machineOf(state, host);
  m.cut = isCut;
  if (m.power === 'on') await setPort(state.switchNs, m.port, !isCut);
  const at = Date.now();
  await writeState(state);
  return at;
}

export function portLookup(state: LabState): (host: string) => string {
  return (host) => machineOf(state, host).port;
}

/** Drop every frame between the machines of `a` and those of `b` (adds to earlier partitions). */
export async function partition(lab: string, a: string[], b: string[]): Promise<void> {
  await withLabLock(lab, () => partitionLocked(lab, a, b));
}

async function partitionLocked(lab: string, a: string[], b: string[]): Promise<void> {
  const state = loadLab(lab);
  if (a.length === 0 || b.length === 0) throw usageError('a partition needs hosts on both sides', 'hapb lab partition master --from backup');
  for (const h of [...a, ...b]) machineOf(state, h);
  const overlap = a.filter((h) => b.includes(h));
  if (overlap.length) throw usageError(`host on both sides of a partition: ${overlap.join(', ')}`);
  state.partitions.push({ a, b });
  await applyPartitions(state.switchNs, state.partitions, portLookup(state));
  await writeState(state);
}

/** Remove every partition. */
export async function heal(lab: string): Promise<void> {
  await withLabLock(lab, () => healLocked(lab));
}

async function healLocked(lab: string): Promise<void> {
  const state = loadLab(lab);
  state.partitions = [];
  await applyPartitions(state.switchNs, [], portLookup(state));
  await writeState(state);
}
