/** `hapb drill -i INVENTORY ...`: parse the flags, run the real-host drill, print as the lab drill does. */
import { ExitCode, HapbError } from '../../errors/index.js';
import { parseDrillOptions, type RawDrillOptions } from '../options.js';
import { listrProgress, plainProgress } from '../progress.js';
import { writeReport } from '../report/files.js';
import { summaryTable } from '../report/table.js';
import { resolveGameday } from './scenarios.js';
import { confirmPlan, runGameday, type GamedayDeps, type GamedayOptions } from './run.js';

export interface RawGamedayOptions extends RawDrillOptions {
  inventory?: string;
  client?: string;
  yes?: boolean;
  deadman?: string;
}

export function parseDeadman(v: string | undefined): number {
  if (v === undefined) return 60;
  const n = Number(v.replace(/s$/, ''));
  if (!Number.isFinite(n) || n < 5 || n > 3600) {
    throw new HapbError(`--deadman: expected seconds from 5 to 3600, got "${v}"`, { exitCode: ExitCode.invalidInput });
  }
  return Math.round(n);
}

export async function gamedayAction(names: string[], raw: RawGamedayOptions, deps: GamedayDeps = {}): Promise<void> {
  const base = parseDrillOptions(raw);
  if (base.profiles.length !== 1 || !raw.inventory) {
    throw new HapbError('--profile both needs a lab: a real cluster runs one configuration', { exitCode: ExitCode.invalidInput });
  }
  const profile = base.profiles[0] ?? 'hapb';
  const list = resolveGameday(names);
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
  const prepared = await confirmPlan(list, opts);
  const progress = process.stderr.isTTY ? listrProgress(list, [profile]) : plainProgress();
  let report;
  try {
    report = await runGameday(list, opts, progress.listener, { ...deps, prepared });
  } finally {
    await progress.end();
  }
  if (base.reportDir) {
    const files = await writeReport(base.reportDir, report);
    process.stderr.write(`drill: report written: ${files.length} files in ${base.reportDir}\n`);
  }
  if (base.json) process.stdout.write(JSON.stringify(report) + '\n');
  else process.stdout.write(summaryTable(report));
  process.exitCode = report.pass ? ExitCode.ok : ExitCode.hostFailed;
}
