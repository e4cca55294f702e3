/** Parse and check the drill's command-line values. */
import { ExitCode, HapbError } from '../errors/index.js';
import type { DrillMode, Profile } from './types.js';

export interface DrillOptions {
  name: string;
  profiles: Profile[];
  rate: number;
  timeoutMs: number;
  keepalive: number;
  json: boolean;
  reportDir?: string;
  mode: DrillMode;
  /** every scenario over TLS to https://VIP/ */
  https: boolean;
  /** every scenario to the lab's IPv6 VIP (http://[VIP6]/) */
  ipv6: boolean;
  /** converge the lab to the profile first (--no-converge: the lab is at it; check its health only) */
  converge: boolean;
}

export interface RawDrillOptions {
  name?: string;
  profile?: string;
  rate?: string;
  timeout?: string;
  keepalive?: string | boolean;
  output?: string;
  report?: string;
  carryOver?: boolean;
  https?: boolean;
  ipv6?: boolean;
  /** false with --no-converge */
  converge?: boolean;
}

function bad(msg: string, hint?: string): HapbError {
  return new HapbError(msg, { exitCode: ExitCode.invalidInput, ...(hint ? { hint } : {}) });
}

function num(flag: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw bad(`${flag}: expected a number from ${min} to ${max}, got "${v}"`);
  return n;
}

export function parseDrillOptions(raw: RawDrillOptions): DrillOptions {
  const p = raw.profile ?? 'hapb';
  const profiles: Profile[] =
    p === 'both' ? ['tutorial', 'hapb'] : p === 'hapb' || p === 'tutorial' ? [p] : (() => {
      throw bad(`--profile: unknown profile "${p}"`, 'one of: hapb, tutorial, both');
    })();
  if (raw.output !== undefined && raw.output !== 'json' && raw.output !== 'text') {
    throw bad(`-o: unknown output "${raw.output}"`, 'one of: text, json');
  }
  const keepalive =
    raw.keepalive === undefined || raw.keepalive === false
      ? 0
      : raw.keepalive === true
        ? 4
        : Math.floor(num('--keepalive', raw.keepalive, 4, 1, 64));
  const out: DrillOptions = {
    name: raw.name ?? 'default',
    profiles,
    rate: num('--rate', raw.rate, 200, 1, 5000),
    timeoutMs: Math.round(num('--timeout', raw.timeout, 5, 0.1, 120) * 1000),
    keepalive,
    json: raw.output === 'json',
    mode: raw.carryOver === true ? 'carry-over' : 'healthy-start',
    https: raw.https === true,
    ipv6: raw.ipv6 === true,
    converge: raw.converge !== false,
  };
  if (!out.converge && profiles.length > 1) {
    throw bad('--no-converge: --profile both converges the lab to each profile in turn', 'drop --no-converge, or drill one profile: the one the lab is at');
  }
  if (raw.report !== undefined) out.reportDir = raw.report;
  return out;
}
