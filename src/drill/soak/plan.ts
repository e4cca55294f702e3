/**
 * The soak's plan: random single-machine faults from the whole catalog, one at
 * a time, with random gaps and durations, drawn from a seeded PRNG
 * (mulberry32), so the same seed and the same options give the same plan.
 * The plan names roles ("the VIP holder", "a backend"), not hosts: which
 * director holds the VIP is known only when the fault is made.
 */

import { prng } from '../../core/prng.js';

export const SOAK_FAULTS = [
  'nginx-killed',
  'nginx-stopped',
  'nginx-hung',
  'keepalived-killed',
  'keepalived-stopped',
  'backend-stopped',
  'backend-broken',
  'backend-slow',
  'lossy-link',
  'poweroff',
  'cut',
] as const;
export type SoakFault = (typeof SOAK_FAULTS)[number];

/** faults a real host takes (no power, no cable) */
export const REAL_HOST_SOAK_FAULTS: readonly SoakFault[] = SOAK_FAULTS.filter((f) => f !== 'poweroff' && f !== 'cut');

/** where a fault lands: the director holding the VIP then, the other director, or backend number i */
export type SoakTarget = { role: 'holder' } | { role: 'standby' } | { role: 'backend'; index: number };

export interface PlannedFault {
  /** 1-based */
  n: number;
  kind: SoakFault;
  target: SoakTarget;
  /** earliest start, ms since the soak's t0 (later when the previous fault took longer to heal) */
  at: number;
  /** how long it is held before it is undone, ms */
  holdMs: number;
}

export interface SoakPlanOptions {
  seed: number;
  durationMs: number;
  /** the catalog to draw from (default: all) */
  faults?: readonly SoakFault[];
  backends: number;
  /** quiet time before the first fault and between faults, ms (default 5-20 s) */
  gapMs?: [number, number];
  /** how long each fault is held, ms (default 3-12 s) */
  holdMs?: [number, number];
  /** time the cluster gets to heal after a fault is undone, before the gap starts, ms (plan estimate, default 10 s) */
  healMs?: number;
  /** quiet time kept at the end, ms (default 10 s) */
  tailMs?: number;
}

/** which targets a fault kind may take */
function targetsOf(kind: SoakFault, backends: number): SoakTarget[] {
  const bs: SoakTarget[] = Array.from({ length: backends }, (_, index) => ({ role: 'backend', index }));
  switch (kind) {
    case 'nginx-killed':
    case 'nginx-stopped':
    case 'nginx-hung':
    case 'keepalived-killed':
    case 'keepalived-stopped':
      return [{ role: 'holder' }, { role: 'standby' }];
    case 'backend-stopped':
    case 'backend-broken':
    case 'backend-slow':
      return bs;
    case 'lossy-link':
    case 'poweroff':
    case 'cut':
      return [{ role: 'holder' }, { role: 'standby' }, ...bs];
  }
}

export function soakPlan(o: SoakPlanOptions): PlannedFault[] {
  const rnd = prng(o.seed);
  const between = ([lo, hi]: [number, number]): number => Math.round(lo + rnd() * (hi - lo));
  const kinds = o.faults ?? SOAK_FAULTS;
  if (kinds.length === 0) throw new Error('soak: no fault kinds to draw from');
  const gap = o.gapMs ?? [5000, 20_000];
  const hold = o.holdMs ?? [3000, 12_000];
  const heal = o.healMs ?? 10_000;
  const tail = o.tailMs ?? 10_000;
  const out: PlannedFault[] = [];
  let t = between(gap);
  for (;;) {
    const kind = kinds[Math.floor(rnd() * kinds.length)] ?? kinds[0];
    if (kind === undefined) break;
    const targets = targetsOf(kind, o.backends);
    const target = targets[Math.floor(rnd() * targets.length)] ?? { role: 'holder' };
    const holdMs = between(hold);
    if (t + holdMs + heal + tail > o.durationMs) break;
    out.push({ n: out.length + 1, kind, target, at: t, holdMs });
    t += holdMs + heal + between(gap);
  }
  return out;
}

export function targetText(t: SoakTarget): string {
  return t.role === 'backend' ? `backend ${t.index + 1}` : t.role === 'holder' ? 'the VIP holder' : 'the standby director';
}

/** "30m", "180s", "3m30s", "90000ms", a bare number of seconds → ms */
export function parseDuration(v: string): number {
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let used = 0;
  for (const m of s.matchAll(re)) {
    const n = Number(m[1]);
    const unit = m[2];
    total += unit === 'h' ? n * 3_600_000 : unit === 'm' ? n * 60_000 : unit === 's' ? n * 1000 : n;
    used += m[0].length;
  }
  if (used !== s.length || used === 0) throw new Error(`not a duration: "${v}" (e.g. 30m, 180s, 1h)`);
  return Math.round(total);
}
