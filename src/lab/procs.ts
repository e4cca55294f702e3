/** Facts about processes from /proc: start times, command lines, children. */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** field 22 of /proc/PID/stat (start time in clock ticks since boot), or undefined when gone */
export function procStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name is in parentheses and may hold spaces: split after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function procCmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '');
  } catch {
    return undefined;
  }
}

export function procChildren(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return [];
  }
}

export const procAlive = (pid: number): boolean => existsSync(`/proc/${pid}`);

/**
 * Is `pid` still the systemd-nspawn of machine `machine`, started at `start`?
 * (A recorded PID may have been reused by something else since.)
 */
export function isMachineNspawn(pid: number, machine: string, start: number | undefined): boolean {
  const argv = procCmdline(pid);
  if (!argv || !argv.some((a) => a.endsWith('systemd-nspawn'))) return false;
  if (!argv.includes(`--machine=${machine}`)) return false;
  return start === undefined || procStartTime(pid) === start;
}

/** every systemd-nspawn process running machine `machine` (for labs without a usable state) */
export function findMachineNspawns(machine: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (isMachineNspawn(pid, machine, undefined)) out.push(pid);
  }
  return out;
}

/** PSS of every process in `leader`'s PID namespace, in bytes */
export function pidNamespaceMemory(leader: number): number {
  let ns: string;
  try {
    ns = readlinkNs(leader);
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkNs(Number(entry)) !== ns) continue;
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${entry}/smaps_rollup`, 'utf8'));
      if (m?.[1]) total += Number(m[1]) * 1024;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

function readlinkNs(pid: number): string {
  return readlinkSync(`/proc/${pid}/ns/pid`);
}
