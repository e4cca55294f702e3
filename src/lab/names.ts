/**
 * Every name the lab creates, derived from the lab name and the host name, so
 * two labs side by side never collide. Interface names (max 15 chars) live
 * inside the lab's own switch namespace, so they only need to be unique there.
 */
import { usageError } from './errors.js';

export const DEFAULT_LAB = 'default';
const LAB_RE = /^[a-z0-9][a-z0-9-]{0,30}$/;
const HOST_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$/;
export const IFNAMSIZ = 15;

export function checkLabName(lab: string): void {
  if (!LAB_RE.test(lab)) {
    throw usageError(`invalid lab name "${lab}"`, 'use 1-31 characters: a-z, 0-9 and -, starting with a letter or digit');
  }
}

export function checkHostName(host: string): void {
  if (!HOST_RE.test(host)) {
    throw usageError(`host name "${host}" cannot name a lab machine`, 'use 1-31 characters: letters, digits, _ and -');
  }
}

/** the switch namespace: holds the bridge, the switch ends of the veths, the controller's address */
export const switchNs = (lab: string): string => `hapb-${lab}-sw`;
/** a machine's network namespace (bind-mounted in /run/netns) */
export const machineNs = (lab: string, host: string): string => `hapb-${lab}-${host}`;
/** the nspawn machine name (also found in the nspawn command line by `lab down`) */
export const machineName = (lab: string, host: string): string => `hapb-${lab}-${host}`;
export const BRIDGE = 'br0';

/** the switch-side veth of the index-th host: `p<index>-<host>`, cut to 15 chars */
export function switchPort(index: number, host: string): string {
  return `p${index}-${host}`.slice(0, IFNAMSIZ);
}
