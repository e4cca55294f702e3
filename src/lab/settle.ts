/**
 * After a converge the cluster is not settled yet: a service may still be
 * starting, and the master takes the VIP from the backup only after its
 * preempt delay. `lab up` waits for the settled state: every machine running,
 * on each every service the converge enabled active, every VIP held by exactly
 * one machine, the director with the highest keepalived_priority of the
 * inventory (when it names priorities).
 */
import { readLabInventory, type LabSpec } from './inventory.js';
import { LabError } from './errors.js';
import { execIn } from './exec.js';
import { machineAlive } from './machine.js';
import { parseProbe, probeScript } from './probe.js';
import { loadLab, type LabState } from './state.js';
import { vipHolders } from './status.js';

export interface SettleSnapshot {
  /** per machine: "off", or unit → [is-enabled, ActiveState] */
  machines: { host: string; running: boolean; units: Record<string, [string, string]> }[];
  /** VIP → holders */
  vips: Record<string, string[]>;
}

/** per VIP, the host that should hold it (active-active: keepalived_vips' priorities), else the highest keepalived_priority */
export function preferredHolders(spec: Pick<LabSpec, 'hosts' | 'preferred'>): string | Record<string, string> | undefined {
  return spec.preferred ?? preferredHolder(spec);
}

/** the host that should hold the VIPs: the highest keepalived_priority, if the inventory names any */
export function preferredHolder(spec: Pick<LabSpec, 'hosts'>): string | undefined {
  let best: { name: string; priority: number } | undefined;
  for (const h of spec.hosts) if (h.priority !== undefined && (!best || h.priority > best.priority)) best = { name: h.name, priority: h.priority };
  return best?.name;
}

/** what is not settled yet, in words; empty when settled */
export function unsettled(s: SettleSnapshot, preferredOf: string | Record<string, string> | undefined): string[] {
  const out: string[] = [];
  for (const m of s.machines) {
    if (!m.running) {
      out.push(`${m.host} is not running`);
      continue;
    }
    for (const [unit, [enabled, active]] of Object.entries(m.units)) {
      if ((enabled === 'enabled' || enabled === 'enabled-runtime') && active !== 'active') out.push(`${unit} ${active || 'unknown'} on ${m.host}`);
    }
  }
  for (const [vip, holders] of Object.entries(s.vips)) {
    const preferred = typeof preferredOf === 'string' || preferredOf === undefined ? preferredOf : preferredOf[vip];
    if (holders.length === 0) out.push(`nobody holds the VIP ${vip}`);
    else if (holders.length > 1) out.push(`${holders.join(' and ')} both hold the VIP ${vip}`);
    else if (preferred !== undefined && holders[0] !== preferred) out.push(`the VIP ${vip} is on ${holders[0] ?? ''}, not yet on ${preferred}`);
  }
  return out;
}

async function snapshot(state: LabState): Promise<SettleSnapshot> {
  const machines = await Promise.all(
    state.machines.map(async (m) => {
      if (!machineAlive(m)) return { host: m.host, running: false, units: {} };
      const r = await execIn(state.name, m.host, ['sh', '-c', probeScript]).catch(() => ({ stdout: '' }));
      const units = Object.fromEntries(Object.entries(parseProbe(r.stdout).units).map(([u, f]): [string, [string, string]] => [u, [f.enabled, f.active]]));
      return { host: m.host, running: Object.keys(units).length > 0, units };
    }),
  );
  return { machines, vips: await vipHolders(state.name) };
}

export interface SettleOptions {
  timeoutMs?: number;
  pollMs?: number;
  onProgress?: (line: string) => void;
}

/** Wait until the lab is settled; returns how long that took (ms). Throws a LabError saying what did not settle. */
export async function waitSettled(name: string, opts: SettleOptions = {}): Promise<number> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const pollMs = opts.pollMs ?? 250;
  const started = Date.now();
  const state = loadLab(name);
  const preferred = preferredHolders(readLabInventory(state.inventory));
  let last: string[] = [];
  let said = '';
  for (;;) {
    last = unsettled(await snapshot(state), preferred);
    if (last.length === 0) return Date.now() - started;
    const line = `settling: ${last.join('; ')}`;
    if (line !== said) opts.onProgress?.(line);
    said = line;
    if (Date.now() - started >= timeoutMs) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new LabError(`lab "${name}" did not settle within ${timeoutMs / 1000} s: ${last.join('; ')}`, {
    hint: `the machines are up; look with: hapb lab status --name ${name}`,
  });
}
