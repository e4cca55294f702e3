/** `lab up`: image, switch, machines, keys, the lab's inventory, then the converge. */
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ensureImage, labRecipe } from './image.js';
import { hasIpv6, readLabInventory, renderLabInventory, switchAddress, withIpv6, type LabSpec } from './inventory.js';
import { mountOverlay, startMachine, waitRunning, writeIdentity, machineAlive } from './machine.js';
import { checkLabName, DEFAULT_LAB, machineName, machineNs, switchNs, switchPort } from './names.js';
import { createSwitch, plugMachine } from './network.js';
import { labDir, labInventoryPath, labKeyPath, labKnownHostsPath } from './paths.js';
import { proxyCommand, writeProxyScript } from './proxy.js';
import { ensureLabKey, writeKnownHosts } from './ssh-files.js';
import { loadLab, readState, writeState, type LabState, type MachineState } from './state.js';
import { labDown } from './down.js';
import { labsOnImage } from './status.js';
import { located } from './converge.js';
import { withLabLock } from './lock.js';
import { ensureInotifyRoom } from './host-limits.js';
import { LabError, requireRoot } from './errors.js';
import type { ConvergeFn, Profile } from './types.js';
import { waitSettled } from './settle.js';
import { LAB_TOOLS, requireHostTools } from './host-tools.js';
import { ensureLabTls, labTlsVars, trustLabCa } from './tls.js';
import { MONITOR_GROUPS, monitorVars, startMonitor } from './monitor.js';
import { SchemaError } from '../errors/index.js';

export const DEFAULT_INVENTORY = 'inventory/seed.yml';
export const DEFAULT_PLAYBOOK = 'playbooks/site.yml';

export interface UpOptions {
  name?: string;
  inventory?: string;
  profile?: Profile;
  rebuild?: boolean;
  /** machines with Python (python3, python3-apt), so real ansible-playbook can manage them: another cached image */
  python?: boolean;
  /** exporters on every director and backend, Prometheus on the client (`--monitor`): another cached image */
  monitor?: boolean;
  /** the converge step; undefined or false: no converge (`--no-converge`) */
  converge?: ConvergeFn | false;
  playbook?: string;
  /** IPv6 too: every machine gets fd00::<its IPv4 numbers> unless the inventory names one (ipv6_address), and an IPv6 VIP; also on when the inventory has IPv6 addresses */
  ipv6?: boolean;
  /** one line per step, for the progress display */
  onProgress?: (line: string) => void;
}

export function planLab(name: string, spec: LabSpec, profile: Profile, image: { hash: string; root: string }): LabState {
  const machines: MachineState[] = spec.hosts.map((h, i) => ({
    host: h.name,
    address: h.address,
    prefixLen: h.prefixLen,
    iface: h.iface,
    groups: h.groups,
    netns: machineNs(name, h.name),
    port: switchPort(i, h.name),
    machine: machineName(name, h.name),
    dir: join(labDir(name), 'machines', h.name),
    root: join(labDir(name), 'machines', h.name, 'root'),
    power: 'on',
    ...(h.address6 ? { address6: h.address6 } : {}),
  }));
  return {
    version: 1,
    name,
    created: new Date().toISOString(),
    inventory: resolve(spec.source),
    profile,
    image,
    switchNs: switchNs(name),
    switchAddress: switchAddress(spec),
    vips: spec.vips,
    ...(spec.preferred ? { vipPreferred: spec.preferred } : {}),
    ...(hasIpv6(spec) && spec.vips6 ? { vips6: spec.vips6 } : {}),
    machines,
    partitions: [],
  };
}

export async function labUp(opts: UpOptions = {}): Promise<LabState> {
  requireRoot();
  const name = opts.name ?? DEFAULT_LAB;
  checkLabName(name);
  requireHostTools(LAB_TOOLS);
  const progress = opts.onProgress ?? ((): void => undefined);
  // the default inventory is the one in the working directory, else the package's own
  const invFile = opts.inventory ?? located(DEFAULT_INVENTORY);
  const read = readLabInventory(invFile);
  const spec = opts.ipv6 === true ? withIpv6(read) : read;
  // before anything is made: Prometheus needs its machine
  if (opts.monitor && !spec.hosts.some((h) => h.groups.includes(MONITOR_GROUPS.clients))) {
    throw new SchemaError(`--monitor runs Prometheus on a host of group ${MONITOR_GROUPS.clients}, and the inventory has none`, { file: spec.source, line: 1, col: 1 }, 'add a client host (like inventory/seed.yml), or leave out --monitor');
  }

  const old = readState(name);
  if (old) {
    if (old.machines.some((m) => machineAlive(m))) {
      throw new LabError(`lab "${name}" is already up`, { hint: `hapb lab down --name ${name}, or pick another --name` });
    }
    progress(`removing what is left of an earlier lab "${name}"`);
    await labDown(name);
  }

  const image = await ensureImage({
    rebuild: opts.rebuild ?? false,
    recipe: labRecipe({ python: opts.python ?? false, monitor: opts.monitor ?? false }),
    onProgress: progress,
    inUse: labsOnImage,
  });
  const state = planLab(name, spec, opts.profile ?? 'hapb', { hash: image.hash, root: image.root });
  if (opts.monitor) state.monitor = true;
  try {
    await mkdir(labDir(name), { recursive: true });
    await writeState(state);
    const authorizedKey = await ensureLabKey(name);
    progress('lab CA and VIP certificate');
    const tls = await ensureLabTls(name, [...spec.vips, ...(spec.vips6 ?? [])]);
    await writeProxyScript(name);
    progress(`switch ${state.switchNs} at ${state.switchAddress}`);
    const plen = spec.hosts[0]?.prefixLen ?? 24;
    await createSwitch(state.switchNs, state.switchAddress, plen);
    const hostKeys: { host: string; address: string; pubKey: string }[] = [];
    const raised = ensureInotifyRoom(state.machines.length);
    if (raised) progress(raised);
    progress(`booting ${state.machines.length} machines`);
    await Promise.all(
      state.machines.map(async (m) => {
        await mountOverlay(m, image.root);
        const pubKey = await writeIdentity(m, { hosts: state.machines.map((x) => ({ name: x.host, address: x.address })), authorizedKey });
        hostKeys.push({ host: m.host, address: m.address, pubKey });
        await trustLabCa(m.root, name, tls.caCert);
        await plugMachine(state.switchNs, m);
        await startMachine(m);
        await writeState(state);
      }),
    );
    await Promise.all(
      state.machines.map(async (m) => {
        const s = await waitRunning(m);
        progress(`${m.host} ${s}`);
      }),
    );
    await writeState(state);
    hostKeys.sort((a, b) => a.host.localeCompare(b.host));
    await writeKnownHosts(name, hostKeys);
    await writeLabInventory(state, spec);
  } catch (err) {
    progress(`lab up failed, removing lab "${name}"`);
    await labDown(name).catch(() => undefined);
    throw err;
  }

  if (opts.converge) {
    progress(`converging with ${opts.playbook ?? DEFAULT_PLAYBOOK}`);
    await convergeLab(name, opts.converge, { playbook: opts.playbook ?? DEFAULT_PLAYBOOK, profile: state.profile, fresh: true });
    const ms = await waitSettled(name, { onProgress: progress });
    progress(`settled in ${(ms / 1000).toFixed(1)} s`);
    // the CLI converges on its own (converge: false here) and starts Prometheus after it
    if (state.monitor) await startMonitor(name, progress);
  }
  return state;
}

/** the converge of machines lab up has just booted: every director at once (site.yml's serial) */
export const FRESH_VARS: Readonly<Record<string, string>> = { hapb_director_serial: '100%' };

/**
 * ---- THE CONVERGE CALL SITE ----
 * The engine (runPlaybook, passed in as `converge`) runs the site playbook over
 * real SSH against the lab's inventory. Both `labUp` and the CLI come here.
 */
export async function convergeLab(
  name: string,
  converge: ConvergeFn,
  opts: { playbook?: string; profile?: Profile; fresh?: boolean } = {},
): Promise<void> {
  const profile = opts.profile ?? loadLab(name).profile;
  await converge({
    lab: name,
    inventory: labInventoryPath(name),
    playbook: opts.playbook ?? DEFAULT_PLAYBOOK,
    profile,
    // machines lab up has just booted serve nothing yet: no director has to keep the VIP while the other changes
    ...(opts.fresh ? { extraVars: FRESH_VARS } : {}),
  });
  // the lab now runs this profile (the drill checks it)
  await withLabLock(name, async () => {
    const state = loadLab(name);
    state.profile = profile;
    await writeState(state);
  });
}

/** write the lab's inventory (original + connection vars); group_vars/host_vars beside it are linked */
export async function writeLabInventory(state: LabState, spec: LabSpec): Promise<string> {
  const text = readFileSync(state.inventory, 'utf8');
  const byHost = new Map(state.machines.map((m) => [m.host, m]));
  const out = renderLabInventory(text, spec, {
    user: 'root',
    keyFile: labKeyPath(state.name),
    knownHosts: labKnownHostsPath(state.name),
    proxyCommand: (h) => proxyCommand(state.name, byHost.get(h.name)?.address ?? h.address, 22),
    allVars: { ...labTlsVars(state.name), ...(state.monitor ? monitorVars() : {}) },
  });
  const file = labInventoryPath(state.name);
  await writeFile(file, `# lab "${state.name}": generated by hapb lab up from ${state.inventory}\n${out}`);
  for (const sub of ['group_vars', 'host_vars']) {
    const src = join(dirname(state.inventory), sub);
    const dst = join(dirname(file), sub);
    if (existsSync(src) && !existsSync(dst)) symlinkSync(src, dst);
  }
  return file;
}
