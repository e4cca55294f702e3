/**
 * Host limits that many machines need. systemd in every machine holds several
 * inotify instances; Linux's default of 128 per user (all machines run as the
 * host's root) stops the 30th machine or so at boot with "Failed to allocate
 * manager object: Too many open files".
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const INSTANCES = '/proc/sys/fs/inotify/max_user_instances';
/** inotify instances one booted machine uses, with room to spare */
export const INOTIFY_PER_MACHINE = 8;

/** the limit wanted for `machines` machines in all (never lower than 1024) */
export function inotifyWanted(machines: number): number {
  return Math.max(1024, machines * INOTIFY_PER_MACHINE);
}

/** systemd-nspawn processes on the box (any lab's or anyone's) */
export function countNspawns(): number {
  let n = 0;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/comm`, 'utf8').trim() === 'systemd-nspawn') n++;
    } catch {
      // gone
    }
  }
  return n;
}

/**
 * Raise fs.inotify.max_user_instances when it is too low for the machines
 * already running plus `adding`; returns a line saying so, or undefined.
 */
export function ensureInotifyRoom(adding: number): string | undefined {
  let current: number;
  try {
    current = Number(readFileSync(INSTANCES, 'utf8').trim());
  } catch {
    return undefined;
  }
  const wanted = inotifyWanted(countNspawns() + adding);
  if (!Number.isFinite(current) || current >= wanted) return undefined;
  writeFileSync(INSTANCES, String(wanted));
  return `raised fs.inotify.max_user_instances from ${current} to ${wanted} (systemd in every machine needs a few)`;
}
