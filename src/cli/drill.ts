/** `hapb drill`: the failover drill under load, with a summary, JSON, a Markdown report and SVG timelines. */
import type { Command } from 'commander';
import type { Clock } from '../core/clock.js';
import { ExitCode, errorMessage, HapbError } from '../errors/index.js';
import { openLabWith, type OpenLab } from '../drill/open-lab.js';
import { parseDrillOptions } from '../drill/options.js';
import { ansibleConverge } from '../lab/ansible-converge.js';
import { listrProgress, plainProgress } from '../drill/progress.js';
import { writeReport } from '../drill/report/files.js';
import { summaryTable } from '../drill/report/table.js';
import { resolveScenarios, scenarioNames } from '../drill/resolve.js';
import { runDrill, type DrillRunOptions } from '../drill/run-drill.js';
import { plans, scenarios } from '../drill/scenarios/catalog.js';
import { gamedayAction } from '../drill/gameday/cli-action.js';
import { soakAction, type RawSoakOptions } from '../drill/soak/cli-action.js';
import { overHttps } from '../drill/https.js';
import { overIpv6 } from '../drill/ipv6.js';
import { readState } from '../lab/state.js';

export interface DrillCommandDeps {
  /** open a lab by name (default: the real lab, converged by this build's `hapb run`; tests pass their own) */
  openLab?: OpenLab;
  /** override of the settle time after a converge, ms (tests) */
  settleMs?: number;
  /** override of the timings of the way back to health (tests) */
  heal?: DrillRunOptions['heal'];
  /** the time the drill runs on (tests simulate it; default: the system's) */
  clock?: Clock;
}

const examples = `
Examples:
  hapb drill                                  every scenario against profile hapb
  hapb drill lb-poweroff --profile both       tutorial vs hapb, side by side
  hapb drill seed-plan --report out/drill     the prior art's faults; report.md + SVGs in out/drill
  hapb drill baseline --rate 50 -o json       one scenario, the whole report as JSON on stdout
  hapb drill lb-nginx-killed --keepalive      4 keep-alive connections, browser-like retries
  hapb drill lb-poweroff --no-converge        a lab already at the profile: check its health, converge nothing
  hapb drill all --carry-over                 no repairs between scenarios: each starts from what the last one left
  hapb drill baseline --engine ansible       the cluster as ansible-playbook converges it (lab up --python)
  hapb drill lb-poweroff --https              over TLS: handshakes, resumed sessions, resumption on the new director
  hapb drill lb-poweroff --ipv6               to the IPv6 VIP (a lab made with lab up --ipv6)
  hapb drill --list                           what each scenario does
  hapb drill -i inventory/prod.yml --client c1  the real-host scenarios over SSH (plan shown, asks first)
  hapb drill soak --duration 30m --seed 7     random faults one at a time for 30 min (same seed, same plan)

Scenarios: ${scenarioNames().join(', ')}
Exit code: 0 when every verdict passed, 2 when one failed, 4 on bad input.`;

export function listScenarios(): string {
  const w = Math.max(...scenarios.map((s) => s.name.length), ...Object.keys(plans).map((p) => p.length));
  const lines = scenarios.map((s) => `${s.name.padEnd(w)}  ${s.description} (${s.durationMs / 1000} s of load)`);
  for (const [name, list] of Object.entries(plans)) lines.push(`${name.padEnd(w)}  ${list.join(', ')}`);
  return lines.join('\n') + '\n';
}

export function registerDrillCommands(program: Command, deps: DrillCommandDeps = {}): void {
  program
    .command('drill')
    .description('kill machines of the lab under load and prove no request fails')
    .argument('[scenario...]', 'scenarios or plans to run (default: all)')
    .option('--name <lab>', 'lab name (as in hapb lab up --name)', 'default')
    .option('--profile <profile>', 'hapb, tutorial or both (side by side)', 'hapb')
    .option('--rate <n>', 'requests per second, open loop', '200')
    .option('--timeout <s>', 'per-request timeout in seconds', '5')
    .option('--keepalive [n]', 'N persistent connections like a browser (default 4) instead of a new connection per request')
    .option('-o, --output <format>', 'text or json (json: the whole report on stdout)', 'text')
    .option('--engine <engine>', 'who converges the lab to each profile: hapb, or real ansible-playbook (lab up --python)', 'hapb')
    .option('--https', 'every scenario over HTTPS (https://VIP/, the lab CA trusted): handshakes, resumed sessions, TLS failures, resumption after a failover')
    .option('--ipv6', "every scenario to the lab's IPv6 VIP, http://[VIP6]/ (a lab made with hapb lab up --ipv6); with --https over TLS")
    .option('--no-converge', 'the lab is at the profile already (as lab up or lab converge left it): check that it is healthy, converge nothing first (converge-under-load still converges)')
    .option('--carry-over', 'start each scenario from what the previous one left (default: from the healthy converged state, repairs listed as findings)')
    .option('--report <dir>', 'write report.md, report.json and SVG timelines into DIR')
    .option('--list', 'list the scenarios and exit')
    .option('-i, --inventory <file>', 'drill the cluster of this inventory over SSH (real hosts; see docs/drill-real-hosts.md) instead of a lab')
    .option('--client <host>', 'with -i: the host the load runs from (default: this machine)')
    .option('-y, --yes', 'with -i: run without asking to confirm the plan')
    .option('--deadman <s>', 'with -i: each fault undoes itself on its host after S seconds if the drill has not', '60')
    .option('--duration <d>', 'soak: how long (30m, 180s, 1h)', '30m')
    .option('--seed <n>', 'soak: the seed of the random plan (same seed, same plan)')
    .addHelpText('after', examples)
    .action(async (names: string[], raw: RawSoakOptions & { list?: boolean; engine?: string }) => {
      try {
        if (names[0] === 'soak' && !raw.list) return await soakAction(raw, deps.openLab ? { openLab: deps.openLab } : {});
        if (raw.inventory !== undefined && !raw.list) return await gamedayAction(names, raw);
        if (raw.list) {
          process.stdout.write(listScenarios());
          return;
        }
        const opts = parseDrillOptions(raw);
        resolveScenarios(names);
        if (raw.engine !== 'hapb' && raw.engine !== 'ansible') {
          throw new HapbError(`--engine: expected hapb or ansible, got "${raw.engine ?? ''}"`, { exitCode: ExitCode.invalidInput });
        }
        const at = opts.converge ? undefined : readState(opts.name)?.profile;
        if (at !== undefined && !opts.profiles.includes(at)) {
          throw new HapbError(`--no-converge: lab ${opts.name} runs profile ${at}, not ${opts.profiles.join(', ')}, and --no-converge converges nothing`, {
            exitCode: ExitCode.invalidInput,
            hint: `drop --no-converge, or drill --profile ${at}`,
          });
        }
        const open = deps.openLab ?? openLabWith({ ...(raw.engine === 'ansible' ? { converge: ansibleConverge({ quiet: true }) } : {}), checkOnly: !opts.converge });
        const opened = await open(opts.name);
        const overTls = opts.https ? overHttps(opened) : opened;
        const lab = opts.ipv6 ? overIpv6(overTls, readState(opts.name)?.vips6) : overTls;
        const list = resolveScenarios(names, lab.topology.directors.length);
        const progress = process.stderr.isTTY ? listrProgress(list, opts.profiles) : plainProgress(undefined, { converge: opts.converge });
        let report;
        try {
          const runOpts: DrillRunOptions = {
            ...opts,
            // nothing converged, nothing to settle: the healthy start's own 2 s hold remains
            ...(!opts.converge ? { settleMs: 0 } : {}),
            ...(deps.settleMs !== undefined ? { settleMs: deps.settleMs } : {}),
            ...(deps.heal ? { heal: deps.heal } : {}),
            ...(deps.clock ? { clock: deps.clock } : {}),
          };
          report = await runDrill(lab, list, opts.profiles, runOpts, progress.listener);
        } finally {
          await progress.end();
        }
        if (opts.reportDir) {
          const files = await writeReport(opts.reportDir, report);
          process.stderr.write(`drill: report written: ${files.length} files in ${opts.reportDir}\n`);
        }
        if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
        else process.stdout.write(summaryTable(report));
        process.exitCode = report.pass ? ExitCode.ok : ExitCode.hostFailed;
      } catch (err) {
        process.stderr.write(`hapb drill: ${errorMessage(err)}\n`);
        process.exitCode = err instanceof HapbError ? err.exitCode : ExitCode.error;
      }
    });
}
