/**
 * The programs the lab runs on this box, and the Debian package of each. A
 * missing one is an error naming the package and the command that installs
 * it, raised before anything of a lab is created (instead of `spawn
 * debootstrap ENOENT` halfway through).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LabError } from './errors.js';

/** program → Debian package (bookworm) */
export const HOST_TOOLS: Readonly<Record<string, string>> = {
  'systemd-nspawn': 'systemd-container',
  ip: 'iproute2',
  nft: 'nftables',
  nsenter: 'util-linux',
  mount: 'mount',
  'ssh-keygen': 'openssh-client',
  // the lab's CA and VIP certificate; role nginx_director's ticket keys
  openssl: 'openssl',
  debootstrap: 'debootstrap',
  chroot: 'coreutils',
  // the tests' stand-ins and the drill's load testbed run these on the box itself
  nginx: 'nginx-light',
  keepalived: 'keepalived',
  sshd: 'openssh-server',
  'rsvg-convert': 'librsvg2-bin',
};

/** what `lab up` runs: every machine, its network, its keys, partitions */
export const LAB_TOOLS = ['systemd-nspawn', 'ip', 'nft', 'nsenter', 'mount', 'ssh-keygen', 'openssl'] as const;
/** what building the machine image runs (only when it is not cached) */
export const IMAGE_TOOLS = ['debootstrap', 'chroot'] as const;

/** is `cmd` an executable file in one of PATH's directories? (as spawn finds it) */
export function onPath(cmd: string, path = process.env['PATH'] ?? ''): boolean {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, cmd);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

export function missingTools(tools: readonly string[], has: (cmd: string) => boolean = (c) => onPath(c)): string[] {
  return tools.filter((t) => !has(t));
}

/** throws a LabError naming each missing program, its Debian package and how to install them */
export function requireHostTools(tools: readonly string[], has: (cmd: string) => boolean = (c) => onPath(c)): void {
  const missing = missingTools(tools, has);
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((t) => HOST_TOOLS[t] ?? t))];
  const list = missing.map((t) => `${t} (Debian package ${HOST_TOOLS[t] ?? 'unknown'})`).join(', ');
  throw new LabError(`missing on this machine: ${list}`, {
    hint: `install what hapb needs with: sudo ./scripts/setup.sh   (or only these: sudo apt-get install -y ${pkgs.join(' ')})`,
  });
}
