/**
 * The service probe: one shell script run in a machine that reports, for each
 * service the roles manage, whether it is enabled, its ActiveState and its
 * Result, and the scripts there that stop keepalived themselves. The lab's
 * settle (src/lab/settle.ts) and the drill's healthy start (src/drill/healthy.ts)
 * both read machines through it.
 */

/** the services the roles manage; a machine runs those of them that are enabled */
export const SERVICES = ['nginx', 'keepalived', 'ssh', 'hapb-firewall', 'hapb-vip-lo'] as const;

export interface UnitFacts {
  /** systemctl is-enabled (enabled, disabled, static, ...; "" when the unit does not exist) */
  enabled: string;
  /** ActiveState: active, inactive, failed, activating, deactivating, reloading */
  active: string;
  /** Result: success, signal, exit-code, ... */
  result: string;
}

/**
 * The shell probe run in each machine; `parseProbe` reads its output. One
 * `systemctl show` for every service (a block per unit, in the order asked,
 * also for a unit that does not exist): one process, not three per unit (the
 * drill's healthy check probes five machines at once, twice per scenario).
 * The last line says the shell ran, even when systemctl could not.
 */
export const probeScript = [
  `systemctl show -p Id -p UnitFileState -p ActiveState -p Result ${SERVICES.join(' ')} 2>/dev/null`,
  "grep -l 'systemctl stop keepalived' /etc/keepalived/*.sh 2>/dev/null | sed 's/^/stopper /'",
  'echo probed',
].join('\n');

const serviceOf = (id: string): string => id.replace(/\.service$/, '');

/**
 * Reads the probe's output: the `systemctl show` blocks (UnitFileState as
 * `systemctl is-enabled` says it), or lines `unit NAME ENABLED ACTIVE RESULT`
 * ("-" for empty; what stand-ins of a machine answer), and `stopper` lines.
 * A machine whose shell ran but whose systemctl gave nothing (still booting)
 * has every service with empty facts, not none: no answer at all means off.
 */
export function parseProbe(stdout: string): { units: Record<string, UnitFacts>; keepalivedStoppers: string[] } {
  const units: Record<string, UnitFacts> = {};
  const keepalivedStoppers: string[] = [];
  let block: Record<string, string> = {};
  let probed = false;
  const flush = (): void => {
    const id = block['Id'];
    if (id) units[serviceOf(id)] = { enabled: block['UnitFileState'] ?? '', active: block['ActiveState'] ?? '', result: block['Result'] ?? '' };
    block = {};
  };
  for (const line of stdout.split('\n')) {
    const kv = /^(Id|UnitFileState|ActiveState|Result)=(.*)$/.exec(line);
    if (kv) {
      block[kv[1] as string] = (kv[2] ?? '').trim();
      continue;
    }
    flush();
    const f = line.trim().split(/\s+/);
    if (f[0] === 'unit' && f[1] && f.length >= 5) {
      const v = (s: string | undefined): string => (s === undefined || s === '-' ? '' : s);
      units[f[1]] = { enabled: v(f[2]), active: v(f[3]), result: v(f[4]) };
    } else if (f[0] === 'stopper' && f[1]) keepalivedStoppers.push(f[1]);
    else if (f[0] === 'probed' && f.length === 1) probed = true;
  }
  flush();
  if (probed && Object.keys(units).length === 0) for (const u of SERVICES) units[u] = { enabled: '', active: '', result: '' };
  return { units, keepalivedStoppers };
}

/** a unit the converge enabled: it must run */
export function wanted(u: UnitFacts): boolean {
  return u.enabled === 'enabled' || u.enabled === 'enabled-runtime';
}
