/**
 * Where the lab keeps things. Persistent data (images, overlays, keys) lives
 * under /var/lib/hapb; run-time state (state.json, PIDs) under /run/hapb,
 * so a reboot forgets machines but keeps the image cache.
 * HAPB_LAB_VAR / HAPB_LAB_RUN override the roots (tests, non-standard boxes).
 */
import { join } from 'node:path';

export const varRoot = (): string => process.env['HAPB_LAB_VAR'] ?? '/var/lib/hapb';
export const runRoot = (): string => process.env['HAPB_LAB_RUN'] ?? '/run/hapb';

export const imagesDir = (): string => join(varRoot(), 'images');
export const labDir = (lab: string): string => join(varRoot(), 'labs', lab);
export const labsRunDir = (): string => join(runRoot(), 'labs');
export const labRunDir = (lab: string): string => join(labsRunDir(), lab);
export const statePath = (lab: string): string => join(labRunDir(lab), 'state.json');

/** the SSH key pair the controller uses to log in to the lab's machines */
export const labKeyPath = (lab: string): string => join(labDir(lab), 'id_ed25519');
/** host keys of the lab's machines: never the user's known_hosts */
export const labKnownHostsPath = (lab: string): string => join(labDir(lab), 'known_hosts');
/** the inventory `hapb run -i` accepts for this lab */
export const labInventoryPath = (lab: string): string => join(labDir(lab), 'inventory.yml');
