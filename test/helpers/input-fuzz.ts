/**
 * The input fuzz harness (issue 10): seeded random mutations of the seed
 * inventory, the site playbook and a role template, each run as `hapb run
 * --check` does in-process against fake hosts that count every contact.
 * A case must end as a clean input error (exit 4 or 5, with a position) and
 * no contact, or as a run with no internal error. Used by
 * test/unit/input-fuzz.test.ts (a short run) and
 * test/integration/input-fuzz-many.test.ts (a long one).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadInputs } from '../../src/cli/load-inputs.js';
import type { Connection, ConnectionFactory } from '../../src/connection/types.js';
import { preflightTemplates } from '../../src/engine/preflight.js';
import { runPlaybook } from '../../src/engine/run-playbook.js';
import { ExitCode, HapbError } from '../../src/errors/index.js';
import { getModule } from '../../src/modules/index.js';
import { repoRoot } from './cli.js';
import { mutate, TOKENS } from './mutate.js';
import { prng } from './prng.js';
import { rewrite } from './rewrite.js';


const originals = {
  inventory: readFileSync(join(repoRoot, 'inventory', 'seed.yml'), 'utf8'),
  playbook: readFileSync(join(repoRoot, 'playbooks', 'site.yml'), 'utf8'),
  template: readFileSync(join(repoRoot, 'roles', 'keepalived', 'templates', 'keepalived.conf.j2'), 'utf8'),
};
type Target = keyof typeof originals;


/** task results seen in the runs, all cases together */
let results = 0;

interface Outcome {
  kind: 'invalid' | 'ran';
  /** contacts with a host (connect, exec, put, get) before the outcome was known */
  touched: number;
  detail: string;
}

/** A host that answers every command with rc 1 and empty output (nothing installed, nothing running); every contact counted. */
function fakeHosts(): { connect: ConnectionFactory; touched: () => number } {
  let touched = 0;
  const connect: ConnectionFactory = (host): Connection => ({
    host,
    connect: () => {
      touched++;
      return Promise.resolve();
    },
    exec: () => {
      touched++;
      return Promise.resolve({ rc: 1, stdout: '', stderr: 'fuzz: nothing here' });
    },
    put: () => {
      touched++;
      return Promise.reject(new Error('fuzz: no upload in check mode'));
    },
    get: () => {
      touched++;
      return Promise.resolve(null);
    },
    close: () => Promise.resolve(),
  });
  return { connect, touched: () => touched };
}

/**
 * What `hapb run --check` does, in-process: load and validate, preflight, run
 * against fake hosts. An input error (exit 4) anywhere, even one found during
 * the run, must come before any contact with a host.
 */
async function runCase(paths: Record<Target, string>, extra: string[]): Promise<Outcome> {
  const hosts = fakeHosts();
  try {
    const inputs = loadInputs(paths.playbook, paths.inventory, extra);
    const errors = await preflightTemplates({ playbook: inputs.playbook, inventory: inputs.inventory, extraVars: inputs.extraVars });
    if (errors.length) return { kind: 'invalid', touched: hosts.touched(), detail: errors[0]?.message ?? '' };
    const internal: string[] = [];
    const out = await runPlaybook({
      playbook: inputs.playbook,
      inventory: inputs.inventory,
      modules: { get: getModule },
      connect: hosts.connect,
      gatherFacts: () => Promise.resolve({}),
      extraVars: inputs.extraVars,
      check: true,
      diff: true,
      // a bug caught by the pipeline shows as a failed task whose message is a JavaScript error
      listeners: [(e) => {
        if (e.type === 'host.result') results++;
        if (e.type === 'host.result' && /TypeError|ReferenceError|RangeError|Cannot read prop|is not a function|is not iterable|Maximum call stack/.test(JSON.stringify(e.result))) internal.push(`${e.task}: ${String(e.result.msg)}`);
      }],
    });
    expect(internal, 'internal errors shown as task failures').toEqual([]);
    expect([ExitCode.ok, ExitCode.hostFailed, ExitCode.unreachable]).toContain(out.exitCode);
    return { kind: 'ran', touched: hosts.touched(), detail: `exit ${out.exitCode}` };
  } catch (err) {
    // invalid input (4), or an option whose value cannot be used (5, as ansible-playbook)
    if (err instanceof HapbError && (err.exitCode === ExitCode.invalidInput || err.exitCode === ExitCode.badOption)) {
      if (!/\d+:\d+/.test(err.message) && !/^(-e|no inventory|could not load)/.test(err.message)) {
        // every input error names a place (file:line:col)
        throw new Error(`input error without a position: ${err.message}`);
      }
      return { kind: 'invalid', touched: hosts.touched(), detail: err.message.split('\n')[0] ?? '' };
    }
    throw err;
  }
}

function writeCase(paths: Record<Target, string>, rand: () => number): Target[] {
  const targets = (Object.keys(originals) as Target[]).filter(() => rand() < 0.45);
  if (targets.length === 0) targets.push((['inventory', 'playbook', 'template'] as const)[Math.floor(rand() * 3)] as Target);
  for (const t of Object.keys(originals) as Target[]) rewrite(paths[t], targets.includes(t) ? mutate(originals[t], rand) : originals[t]);
  return targets;
}

/**
 * Run `cases` seeded cases; throws naming the case and seed on a crash or a
 * host contacted on invalid input; returns the tally.
 */
export async function fuzzInputs(seed: number, cases: number): Promise<{ invalid: number; ran: number; results: number }> {
  const SEED = seed;
  const CASES = cases;
  results = 0;
  // the project under test: a copy, so a mutated template never touches the checkout
  const dir = mkdtempSync(join(tmpdir(), 'hapb-fuzz-'));
  try {
    cpSync(join(repoRoot, 'roles'), join(dir, 'roles'), { recursive: true });
    const paths: Record<Target, string> = {
      inventory: join(dir, 'hosts.yml'),
      playbook: join(dir, 'site.yml'),
      template: join(dir, 'roles', 'keepalived', 'templates', 'keepalived.conf.j2'),
    };
    return await fuzzIn(paths, SEED, CASES);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fuzzIn(paths: Record<Target, string>, SEED: number, CASES: number): Promise<{ invalid: number; ran: number; results: number }> {
  const rand = prng(SEED);
  const tally = { invalid: 0, ran: 0 };
  for (let c = 0; c < CASES; c++) {
    const targets = writeCase(paths, rand);
    const extra = rand() < 0.2 ? [TOKENS[Math.floor(rand() * TOKENS.length)]?.replace(': ', '=') ?? 'x=1'] : [];
    let out: Outcome;
    try {
      out = await runCase(paths, extra);
    } catch (err) {
      throw new Error(`case ${c} (seed ${SEED}, mutated ${targets.join('+')}, -e ${JSON.stringify(extra)}) crashed: ${(err as Error).stack ?? String(err)}`);
    }
    if (out.kind === 'invalid') expect(out.touched, `case ${c}: invalid input (${out.detail}) but a host was contacted`).toBe(0);
    tally[out.kind]++;
  }
  // the mutations are neither all harmless nor all fatal
  expect(tally.invalid).toBeGreaterThan(CASES / 10);
  expect(tally.ran).toBeGreaterThan(CASES / 20);
  // the runs went through the roles' tasks, not only the facts
  expect(results).toBeGreaterThan(tally.ran * 5);
  console.log(`fuzz seed ${SEED}: ${tally.invalid} invalid inputs refused before any contact, ${tally.ran} ran (check mode, fake hosts, ${results} task results)`);
  return { ...tally, results };
}
