/**
 * `lab down`: remove everything a lab created, also when the process that made
 * it was killed half-way. Idempotent. Processes are killed only after checking
 * that the PID still is that machine's systemd-nspawn.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { killMachine, removeCgroups, removeNspawnLeftovers, rootLockName, unmountOverlay } from './machine.js';
import { checkLabName } from './names.js';
import { deleteNetns, unplugMachine } from './network.js';
import { labDir, labRunDir } from './paths.js';
import { findMachineNspawns } from './procs.js';
import { readState } from './state.js';
import { requireRoot } from './errors.js';

export interface DownResult {
  /** false when there was nothing to remove */
  removed: boolean;
  machines: string[];
}

export async function labDown(name: string): Promise<DownResult> {
  requireRoot();
  checkLabName(name);
  const state = readState(name);
  const hadDirs = existsSync(labDir(name)) || existsSync(labRunDir(name));
  if (!state) {
    await rm(labRunDir(name), { recursive: true, force: true });
    await rm(labDir(name), { recursive: true, force: true });
    return { removed: hadDirs, machines: [] };
  }
  await Promise.all(
    state.machines.map(async (m) => {
      const lock = rootLockName(m);
      await killMachine(m, findMachineNspawns(m.machine));
      await removeCgroups(m);
      await removeNspawnLeftovers(m, lock);
      await unmountOverlay(m);
      await unplugMachine(state.switchNs, m);
    }),
  );
  await deleteNetns(state.switchNs);
  await rm(labDir(name), { recursive: true, force: true });
  await rm(labRunDir(name), { recursive: true, force: true });
  return { removed: true, machines: state.machines.map((m) => m.host) };
}
