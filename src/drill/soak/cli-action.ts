/** `hapb drill soak --duration 30m --seed N` on a lab (`--name`) or on a cluster over SSH (`-i INVENTORY --client HOST`). */
import { ExitCode, HapbError } from '../../errors/index.js';
import { parseDeadman, type RawGamedayOptions } from '../gameday/cli-action.js';
import { confirmPlan, withCluster, type GamedayOptions } from '../gameday/run.js';
import { openLab as openRealLab, type OpenLab } from '../open-lab.js';
import { parseDrillOptions } from '../options.js';
import { parseDuration, REAL_HOST_SOAK_FAULTS, SOAK_FAULTS, soakPlan, targetText } from './plan.js';
import { soakSummary, soakJson, writeSoakReport } from './report.js';
import { runSoak, type SoakOptions, type SoakReport } from './run-soak.js';

export interface RawSoakOptions extends RawGamedayOptions {
  duration?: string;
  seed?: string;
}

function bad(msg: string, hint?: string): HapbError {
  return new HapbError(msg, { exitCode: ExitCode.invalidInput, ...(hint ? { hint } : {}) });
}

export function parseSeed(v: string | undefined): number {
  if (v === undefined) return Math.floor(Math.random() * 2 ** 31);
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) throw bad(`--seed: expected a whole number from 0 to 4294967295, got "${v}"`);
  return n;
}

export async function soakAction(raw: RawSoakOptions, deps: { openLab?: OpenLab } = {}): Promise<void> {
  const base = parseDrillOptions(raw);
  const profile = base.profiles[0] ?? 'hapb';
  if (base.profiles.length !== 1) throw bad('--profile both: a soak runs one profile');
  let durationMs: number;
  try {
    durationMs = parseDuration(raw.duration ?? '30m');
  } catch (err) {
    throw bad(`--duration: ${(err as Error).message}`);
  }
  if (durationMs < 60_000 || durationMs > 24 * 3_600_000) throw bad(`--duration: from 1m to 24h, got ${raw.duration ?? ''}`);
  const seed = parseSeed(raw.seed);
  const overSsh = raw.inventory !== undefined;
  const soakOpts = (step: (l: string) => void, stopped?: () => boolean): SoakOptions => ({
    seed,
    durationMs,
    faults: overSsh ? REAL_HOST_SOAK_FAULTS : SOAK_FAULTS,
    rate: base.rate,
    timeoutMs: base.timeoutMs,
    keepalive: base.keepalive,
    profile,
    step,
    ...(stopped ? { stopped } : {}),
  });
  const step = (l: string): void => void process.stderr.write(`soak: ${l}\n`);
  let report: SoakReport;
  if (overSsh && raw.inventory) {
    const opts: GamedayOptions = {
      inventory: raw.inventory,
      ...(raw.client !== undefined ? { client: raw.client } : {}),
      profile,
      yes: raw.yes === true,
      deadmanSeconds: parseDeadman(raw.deadman),
      rate: base.rate,
      timeoutMs: base.timeoutMs,
      keepalive: base.keepalive,
    };
    const prepared = await confirmPlanForSoak(opts, durationMs, seed);
    report = await withCluster(prepared, opts, {}, step, (control, interrupted) => runSoak(control, soakOpts(step, interrupted)));
  } else {
    const lab = await (deps.openLab ?? openRealLab)(base.name);
    let stop = false;
    const onSignal = (): void => {
      stop = true;
      step('stopping: the fault in place is undone, then the report is written');
    };
    process.once('SIGINT', onSignal);
    try {
      report = await runSoak(lab, soakOpts(step, () => stop));
    } finally {
      process.off('SIGINT', onSignal);
    }
  }
  if (base.reportDir) {
    const files = await writeSoakReport(base.reportDir, report);
    process.stderr.write(`soak: report written: ${files.length} files in ${base.reportDir}\n`);
  }
  process.stdout.write(base.json ? soakJson(report) + '\n' : soakSummary(report));
  process.exitCode = report.pass ? ExitCode.ok : ExitCode.hostFailed;
}

/** the soak's plan shown before the cluster's own (which lists the hosts and the load) */
async function confirmPlanForSoak(opts: GamedayOptions, durationMs: number, seed: number): ReturnType<typeof confirmPlan> {
  const plan = soakPlan({ seed, durationMs, faults: REAL_HOST_SOAK_FAULTS, backends: 2 });
  process.stderr.write(
    [`soak plan (seed ${seed}, ${durationMs / 60_000} min): ${plan.length} faults, one at a time, each healed before the next`, ...plan.slice(0, 12).map((p) => `  #${p.n} at ≥ ${(p.at / 1000).toFixed(0)} s: ${p.kind} on ${targetText(p.target)} for ${(p.holdMs / 1000).toFixed(1)} s`), ...(plan.length > 12 ? ['  …'] : []), ''].join('\n'),
  );
  return confirmPlan([], opts);
}
