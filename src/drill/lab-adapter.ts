/**
 * LabControl over the lab's programmatic API (src/lab/index.ts). `LabApi` is
 * the part of that API the drill uses, typed from it, so the adapter can be
 * unit-tested with a recording stand-in.
 */
import { HapbError } from '../errors/index.js';
import type * as lab from '../lab/index.js';
import type { ConvergeFn, LabState, MachineState } from '../lab/index.js';
import { start } from '../lab/run.js';
import type { LabControl, LabTopology } from './lab-control.js';
import { spawnLoad } from './load-process.js';
import { synRetransOf } from './summary.js';
import { parseReading, readingScript, type NginxReading, type NginxReadings } from './nginx-counters.js';
import { STUB_STATUS_PORT } from '../lab/monitor.js';

/** what the adapter reads of a machine's and a lab's state */
export type LabMachine = Pick<MachineState, 'host' | 'groups' | 'netns' | 'power' | 'cut'>;
export type LabStateLike = Pick<LabState, 'name' | 'vips' | 'profile'> & {
  machines: LabMachine[];
  partitions?: LabState['partitions'];
  /** active-active: VIP → preferred director */
  vipPreferred?: LabState['vipPreferred'];
  /** up with --monitor: the directors serve stub_status */
  monitor?: LabState['monitor'];
};

/** the parts of src/lab/index.ts the drill uses */
export type LabApi = Pick<typeof lab, 'execIn' | 'poweroff' | 'poweron' | 'cut' | 'uncut' | 'partition' | 'heal' | 'addressesIn' | 'convergeLab'> & {
  loadLab(lab: string): LabStateLike;
};

export interface AdapterOptions {
  /** the converge (src/lab/converge.ts); without it applyProfile only works for the lab's own profile */
  converge?: ConvergeFn;
  /** the groups of the seed inventory */
  groups?: { directors: string; backends: string; clients: string };
  /** the compiled load generator (default: next to this file) */
  loadgenPath?: string;
  /**
   * --no-converge: the drill's start (the first applyProfile) converges
   * nothing, even with a converge: the lab must be at the profile. Later
   * calls (converge-under-load, whose fault is the converge) still converge.
   */
  checkOnly?: boolean;
}

const defaultGroups = { directors: 'directors', backends: 'web', clients: 'clients' };

function inGroup(state: LabStateLike, group: string): LabMachine[] {
  return state.machines.filter((m) => m.groups.includes(group));
}

/** master first (VRRP priority order of the seed inventory), then inventory order */
function directorOrder(ms: LabMachine[]): LabMachine[] {
  return [...ms].sort((a, b) => Number(b.host.includes('master')) - Number(a.host.includes('master')));
}

export function topologyOf(state: LabStateLike, groups = defaultGroups): LabTopology {
  const pref = state.vipPreferred;
  if (pref && state.vips.length > 1) return activeActiveTopology(state, groups, pref);
  const directors = directorOrder(inGroup(state, groups.directors));
  const backends = inGroup(state, groups.backends);
  const client = inGroup(state, groups.clients)[0];
  const vip = state.vips[0];
  const [d0, d1] = directors;
  if (!d0 || !d1 || backends.length === 0 || !client || !vip) {
    throw new HapbError(`lab ${state.name} is not a drill topology`, {
      hint: `needs 2 hosts in group ${groups.directors}, hosts in ${groups.backends}, one in ${groups.clients} and a VIP (keepalived_vip)`,
    });
  }
  return { directors: [d0.host, d1.host], backends: backends.map((m) => m.host), client: client.host, vip, url: `http://${vip}/` };
}

/**
 * Several VIPs: the first VIP is the drill's `vip` (the scenarios fault its
 * holder), its preferred director first; then every other VIP's preferred one;
 * then the rest (spares) in inventory order.
 */
function activeActiveTopology(state: LabStateLike, groups: typeof defaultGroups, pref: Record<string, string>): LabTopology {
  const ds = inGroup(state, groups.directors).map((m) => m.host);
  const backends = inGroup(state, groups.backends);
  const client = inGroup(state, groups.clients)[0];
  const vips = state.vips.map((vip) => ({ vip, url: `http://${vip}/`, preferred: pref[vip] ?? '' }));
  const first = vips[0];
  const order = [...new Set([...vips.map((v) => v.preferred).filter((h) => ds.includes(h)), ...ds])];
  const [d0, d1, ...rest] = order;
  if (!d0 || !d1 || backends.length === 0 || !client || !first || vips.some((v) => !ds.includes(v.preferred))) {
    throw new HapbError(`lab ${state.name} is not a drill topology`, {
      hint: `needs 2 or more hosts in group ${groups.directors}, hosts in ${groups.backends}, one in ${groups.clients}, and each VIP of keepalived_vips preferred on a director`,
    });
  }
  return { directors: [d0, d1, ...rest], backends: backends.map((m) => m.host), client: client.host, vip: first.vip, url: first.url, vips };
}

export function labControl(api: LabApi, name: string, opts: AdapterOptions = {}): LabControl {
  const state = api.loadLab(name);
  const topology = topologyOf(state, opts.groups ?? defaultGroups);
  const machine = (host: string): LabMachine => {
    const m = api.loadLab(name).machines.find((x) => x.host === host);
    if (!m) throw new HapbError(`lab ${name} has no host ${host}`);
    return m;
  };
  const client = machine(topology.client);
  /** applyProfile has run once: the drill's start is behind */
  let started = false;
  return {
    name,
    topology,
    exec: (host, argv) => api.execIn(name, host, argv),
    clientSynRetrans: async () => {
      try {
        const r = await api.execIn(name, topology.client, ['cat', '/proc/net/netstat']);
        return r.rc === 0 ? synRetransOf(r.stdout) : undefined;
      } catch {
        return undefined;
      }
    },
    ...(state.monitor === true
      ? {
          nginxCounters: async (): Promise<NginxReadings> => {
            const read = async (host: string): Promise<NginxReading | undefined> => {
              try {
                const r = await api.execIn(name, host, ['sh', '-c', readingScript(STUB_STATUS_PORT)]);
                return r.rc === 0 ? parseReading(r.stdout) : undefined;
              } catch {
                return undefined; // powered off
              }
            };
            const ds = topology.directors;
            const got = await Promise.all(ds.map(read));
            return Object.fromEntries(ds.map((h, i) => [h, got[i]]));
          },
        }
      : {}),
    poweroff: (host) => api.poweroff(name, host),
    poweron: (host) => api.poweron(name, host),
    cut: (host) => api.cut(name, host),
    uncut: (host) => api.uncut(name, host),
    partition: (a, b) => api.partition(name, a, b),
    heal: () => api.heal(name),
    faultsInPlace: async () => {
      const now = api.loadLab(name);
      return {
        poweredOff: now.machines.filter((m) => m.power === 'off').map((m) => m.host),
        cut: now.machines.filter((m) => m.cut === true).map((m) => m.host),
        partitioned: (now.partitions ?? []).length > 0,
      };
    },
    vipHolders: async (vip = topology.vip) => {
      const now = api.loadLab(name);
      const on = now.machines.filter((m) => topology.directors.includes(m.host) && m.power === 'on');
      const held = await Promise.all(on.map(async (m) => ((await api.addressesIn(m.netns)).includes(vip) ? m.host : '')));
      return held.filter((h) => h !== '');
    },
    onAddressChange: (wake) => {
      // one `ip monitor address` per director namespace; any line means "look again"
      const monitors = topology.directors.map((host) => {
        const child = start(['ip', '-n', machine(host).netns, 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
        child.stdout?.on('data', wake);
        child.on('error', () => undefined);
        return child;
      });
      return () => {
        for (const c of monitors) if (c.exitCode === null) c.kill('SIGTERM');
      };
    },
    startLoad: (load) =>
      spawnLoad(load, {
        prefix: ['ip', 'netns', 'exec', client.netns],
        ...(opts.loadgenPath ? { loadgenPath: opts.loadgenPath } : {}),
      }),
    applyProfile: async (profile) => {
      const now = api.loadLab(name);
      const later = started;
      started = true;
      const converge = opts.checkOnly && !later ? undefined : opts.converge;
      // nothing to converge it with: the lab must be at the profile already; refused before anything is done
      if (!converge && now.profile !== profile) {
        throw new HapbError(
          `lab ${name} runs profile ${now.profile}, not ${profile}, and ${opts.checkOnly ? '--no-converge converges nothing' : 'no engine is wired to converge it'}`,
          {
            hint: opts.checkOnly
              ? `drop --no-converge, or converge it first: hapb lab converge --name ${name} --profile ${profile}`
              : `converge it yourself (hapb lab converge --name ${name} --profile ${profile}) or run the drill through the hapb CLI`,
          },
        );
      }
      // the same profile again is converge-under-load, whose fault is the converge: without an engine it would pass having done nothing
      if (later && !converge) {
        throw new HapbError(`lab ${name}: no engine is wired to converge it, and converge-under-load converges while the load runs`, {
          hint: 'run the drill through the hapb CLI (build it first: npm run build)',
        });
      }
      await api.heal(name);
      for (const m of now.machines) {
        if (m.power === 'off') await api.poweron(name, m.host);
        if (m.cut) await api.uncut(name, m.host);
      }
      if (converge) await api.convergeLab(name, converge, { profile });
    },
  };
}
