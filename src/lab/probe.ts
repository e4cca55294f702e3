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

/** The shell probe run in each machine; `parseProbe` reads its output. */
export const probeScript = [
  `for u in ${SERVICES.join(' ')}; do`,
  '  e=$(systemctl is-enabled "$u" 2>/dev/null); a=$(systemctl show -p ActiveState --value "$u" 2>/dev/null); r=$(systemctl show -p Result --value "$u" 2>/dev/null)',
  '  echo "unit $u ${e:--} ${a:--} ${r:--}"',
  'done',
  "grep -l 'systemctl stop keepalived' /etc/keepalived/*.sh 2>/dev/null | sed 's/^/stopper /'",
  'true',
].join('\n');

export function parseProbe(stdout: string): { units: Record<string, UnitFacts>; keepalivedStoppers: string[] } {
  const units: Record<string, UnitFacts> = {};
  const keepalivedStoppers: string[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'unit' && f[1] && f.length >= 5) {
      const v = (s: string | undefined): string => (s === undefined || s === '-' ? '' : s);
      units[f[1]] = { enabled: v(f[2]), active: v(f[3]), result: v(f[4]) };
    } else if (f[0] === 'stopper' && f[1]) keepalivedStoppers.push(f[1]);
  }
  return { units, keepalivedStoppers };
}

/** a unit the converge enabled: it must run */
export function wanted(u: UnitFacts): boolean {
  return u.enabled === 'enabled' || u.enabled === 'enabled-runtime';
}
