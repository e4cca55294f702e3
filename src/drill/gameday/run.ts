/**
 * `hapb drill -i INVENTORY [--client HOST]`: the drill on a cluster known
 * only by its inventory, over SSH. In order:
 *   1. connect to every host (one unreachable: exit 4, as Ansible);
 *   2. refuse to start when the cluster is degraded (the health check);
 *   3. show the plan (stderr) and ask (a terminal), or --yes;
 *   4. run the scenarios; after each, the cluster gets back to health (the
 *      drill's own faults undone, findings as in the lab drill) and the
 *      remaining dead-man timers are disarmed; a cluster that does not heal
 *      stops the drill;
 *   5. Ctrl-C (SIGINT, SIGTERM, SIGHUP) undoes every fault in place, then exits 130.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createConnection } from '../../connection/index.js';
import type { BecomeOptions, Connection } from '../../connection/types.js';
import { errorMessage, ExitCode, HapbError, UnreachableError } from '../../errors/index.js';
import { hostVars, loadInventory, type Inventory } from '../../inventory/index.js';
import { cliConverge } from '../../lab/converge.js';
import { describeProblem, diagnose, ensureHealthy, observe } from '../healthy.js';
import { runScenario, type RunOptions } from '../scenarios/run-scenario.js';
import type { DrillListener } from '../run-drill.js';
import type { DrillState, Scenario } from '../scenarios/types.js';
import type { DrillReport, Finding, Profile, ScenarioResult } from '../types.js';
import { ClusterControl } from './control.js';
import { gamedayTopology, isLabInventory, type GamedayTopology } from './topology.js';

export interface GamedayOptions extends RunOptions {
  inventory: string;
  client?: string;
  profile: Profile;
  /** skip the confirmation */
  yes: boolean;
  deadmanSeconds: number;
  /** connect timeout, ms */
  connectTimeoutMs?: number;
  heal?: { graceMs?: number; vipMs?: number; stableMs?: number };
}

/**
 * Whether the cluster may be drilled now: the problems, empty when healthy.
 * The lead's `hapb status` (src/status/) is to answer this; until it is on
 * main, `minimalHealth` below does, from the lab drill's healthy-start check.
 */
export interface HealthCheck {
  problems(control: ClusterControl): Promise<string[]>;
}

/** every enabled service active, the VIP on exactly the preferred director, the client answered, no drill fault left on a host */
export const minimalHealth: HealthCheck = {
  problems: async (c) => {
    const facts = await observe(c);
    const out = diagnose(facts, c.topology).map(describeProblem);
    for (const [h, fs] of Object.entries(await c.faultsOnHosts())) out.push(`${h}: a drill fault is still in place (${fs.join(', ')})`);
    return out;
  },
};

function becomeOf(vars: Record<string, unknown>): BecomeOptions | undefined {
  const b = vars['ansible_become'];
  if (b !== true && b !== 'true' && b !== 'yes' && b !== 'True') return undefined;
  const user = vars['ansible_become_user'];
  const pw = vars['ansible_become_password'] ?? vars['ansible_become_pass'];
  return { ...(typeof user === 'string' ? { user } : {}), ...(typeof pw === 'string' ? { password: pw } : {}) };
}

/** connect to the hosts the drill needs; returns the control */
export async function openCluster(inv: Inventory, topology: GamedayTopology, opts: GamedayOptions, log: (l: string) => void): Promise<ClusterControl> {
  const hosts = [...topology.directors, ...topology.backends, ...(topology.loadFromController ? [] : [topology.client])];
  const connections = new Map<string, Connection>();
  const become = new Map<string, BecomeOptions | undefined>();
  const unreachable: string[] = [];
  await Promise.all(
    hosts.map(async (h) => {
      const vars = hostVars(inv, h);
      // a drill is no hurry to start: 30 s per attempt, two attempts (a busy controller starts a ProxyCommand slowly)
      let c = createConnection(h, vars, { timeoutMs: opts.connectTimeoutMs ?? 30_000 });
      try {
        await c.connect().catch(async () => {
          await c.close().catch(() => undefined);
          c = createConnection(h, vars, { timeoutMs: opts.connectTimeoutMs ?? 30_000 });
          await c.connect();
        });
        connections.set(h, c);
        become.set(h, becomeOf(vars));
      } catch (err) {
        unreachable.push(`${h}: ${errorMessage(err)}`);
      }
    }),
  );
  if (unreachable.length) {
    for (const c of connections.values()) await c.close().catch(() => undefined);
    throw new UnreachableError(unreachable.length === 1 ? 'a host' : `${unreachable.length} hosts`, `unreachable: ${unreachable.join('; ')}`);
  }
  const converge = cliConverge({ quiet: true });
  return new ClusterControl({
    name: opts.inventory,
    inventoryPath: opts.inventory,
    topology,
    connections,
    become,
    deadmanSeconds: opts.deadmanSeconds,
    runId: randomBytes(3).toString('hex'),
    ...(converge ? { converge } : {}),
    log,
  });
}

export function planText(list: Scenario[], topology: GamedayTopology, opts: GamedayOptions): string {
  const where = topology.loadFromController ? 'this machine (the controller)' : `${topology.client} (over SSH)`;
  const lines = [
    `drill plan for ${opts.inventory} (profile ${opts.profile})`,
    `  directors: ${topology.directors.join(', ')} (VIP ${topology.vip}); backends: ${topology.backends.join(', ')}`,
    `  load: ${opts.rate} req/s to ${topology.url} from ${where}, ${opts.keepalive ? `${opts.keepalive} keep-alive connections` : 'a new connection per request'}`,
    `  every fault is armed with a dead-man timer on its host: undone after ${opts.deadmanSeconds} s if this drill does not undo it first`,
    `  scenarios (${Math.round(list.reduce((s, x) => s + x.durationMs, 0) / 1000)} s of load):`,
    ...list.map((s) => `    ${s.name.padEnd(20)} ${s.description}`),
    '',
  ];
  return lines.join('\n');
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((res) => rl.question(question, res));
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

export interface GamedayDeps {
  health?: HealthCheck;
  /** stderr lines */
  log?: (l: string) => void;
  /** exit the process after Ctrl-C's undo (tests pass their own) */
  exit?: (code: number) => void;
  /** the plan was shown and confirmed already (confirmPlan) */
  prepared?: { inv: Inventory; topology: GamedayTopology };
}

/** load the inventory, check it can be drilled, show the plan and ask (unless --yes); throws when not confirmed */
export async function confirmPlan(list: Scenario[], opts: GamedayOptions): Promise<{ inv: Inventory; topology: GamedayTopology }> {
  const inv = loadInventory(opts.inventory);
  const topology = gamedayTopology(inv, opts.client);
  if (topology.loadFromController && isLabInventory(inv, [...topology.directors, ...topology.backends])) {
    throw new HapbError(`${opts.inventory} is a lab's inventory: its addresses exist only inside the lab, so the load must run there`, {
      exitCode: ExitCode.invalidInput,
      hint: "give the lab's client machine: --client client",
    });
  }
  process.stderr.write(planText(list, topology, opts));
  if (!opts.yes && !(await confirm('run these faults on these hosts? [y/N] '))) {
    throw new HapbError('not confirmed: nothing was done', { exitCode: ExitCode.hostFailed, hint: 'answer y on a terminal, or pass --yes' });
  }
  return { inv, topology };
}

/**
 * Open the cluster, install the Ctrl-C undo, refuse a degraded cluster, put
 * the load generator in place, run `fn`; afterwards undo whatever is left and
 * close the connections.
 */
export async function withCluster<T>(
  prepared: { inv: Inventory; topology: GamedayTopology },
  opts: GamedayOptions,
  deps: GamedayDeps,
  log: (l: string) => void,
  fn: (control: ClusterControl, interrupted: () => boolean) => Promise<T>,
): Promise<T> {
  const control = await openCluster(prepared.inv, prepared.topology, opts, log);
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: undoing every fault in place (${control.armedFaults().length})`);
    control
      .undoAll()
      .then(
        () => log('every fault undone'),
        (err: unknown) => log(errorMessage(err)),
      )
      .finally(() => (deps.exit ?? ((c: number) => process.exit(c)))(130));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    const health = deps.health ?? minimalHealth;
    log('checking the cluster is healthy');
    const problems = await health.problems(control);
    if (problems.length > 0) {
      throw new HapbError(`refusing to start: the cluster is degraded: ${problems.join('; ')}`, {
        exitCode: ExitCode.hostFailed,
        hint: 'repair it first (hapb run, systemctl), then drill',
      });
    }
    await control.applyProfile(opts.profile); // the start: checks only, converges nothing
    log('putting the load generator in place');
    await control.prepareLoad();
    return await fn(control, () => interrupted);
  } finally {
    if (!interrupted) {
      for (const s of signals) process.off(s, onSignal);
      await control.undoAll().catch((e: unknown) => log(errorMessage(e)));
      await control.close();
    }
  }
}

export async function runGameday(list: Scenario[], opts: GamedayOptions, listener: DrillListener = {}, deps: GamedayDeps = {}): Promise<DrillReport> {
  const log = deps.log ?? (listener.step ? (l: string) => listener.step?.(l) : (l: string) => process.stderr.write(`drill: ${l}\n`));
  const prepared = deps.prepared ?? (await confirmPlan(list, opts));
  return withCluster(prepared, opts, deps, log, async (control, interrupted) => {
    const startedAt = new Date().toISOString();
    const results: ScenarioResult[] = [];
    const state: DrillState = {};
    for (const s of list) {
      if (interrupted()) break;
      listener.scenarioStart?.(s, opts.profile);
      const r = await runScenario(control, s, opts.profile, state, opts, listener);
      let findings: Finding[] = [];
      try {
        findings = await ensureHealthy(control, opts.profile, state, {
          ...opts.heal,
          ...(listener.step ? { step: (l: string) => listener.step?.(l) } : {}),
        });
        await control.disarmAll();
      } catch (err) {
        r.error = [r.error, `the cluster did not get back to health: ${errorMessage(err)}`].filter(Boolean).join('; ');
        r.pass = false;
        r.findings = findings;
        results.push(r);
        listener.scenarioEnd?.(r);
        log(`stopping: ${errorMessage(err)}`);
        await control.undoAll().catch((e: unknown) => log(errorMessage(e)));
        break;
      }
      r.findings = findings;
      results.push(r);
      listener.scenarioEnd?.(r);
    }
    return {
      schema: 'hapb-drill/1',
      lab: opts.inventory,
      startedAt,
      profiles: [opts.profile],
      mode: 'healthy-start',
      results,
      pass: results.length === list.length && results.every((x) => x.pass),
    };
  });
}
