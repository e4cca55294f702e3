/**
 * The converge: `hapb run PLAYBOOK -i LAB_INVENTORY -e @profiles/PROFILE.yml`
 * as a child process of this same hapb. `hapb lab` streams its output to the
 * terminal; the drill captures it (`quiet`), so stdout stays the drill's
 * (-o json) and its progress display stays whole, and on failure the tail of
 * the output is the hint.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from './errors.js';
import { run } from './run.js';
import type { ConvergeFn, ConvergeRequest } from './types.js';

/** the package root: src/lab/ or dist/lab/ are two levels below it */
export const packageRoot = (): string => resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** a path as given when it exists from here, else the package's own copy */
export function located(path: string): string {
  if (existsSync(path)) return path;
  const own = join(packageRoot(), path);
  return existsSync(own) ? own : path;
}

/** the -e arguments of a converge, the same for hapb and ansible-playbook: the profile's file, then the request's extra vars */
export function extraVarArgs(req: ConvergeRequest): string[] {
  const argv: string[] = [];
  const profile = located(join('profiles', `${req.profile}.yml`));
  if (existsSync(profile)) argv.push('-e', `@${profile}`);
  for (const [k, v] of Object.entries(req.extraVars ?? {})) argv.push('-e', `${k}=${v}`);
  return argv;
}

export function convergeArgv(req: ConvergeRequest): string[] {
  return [join(packageRoot(), 'bin', 'hapb'), 'run', located(req.playbook), '-i', req.inventory, ...extraVarArgs(req)];
}

export interface CliConvergeOptions {
  /** capture the output instead of streaming it; on failure its last lines are the hint */
  quiet?: boolean;
}

/** undefined when this hapb has no built CLI to run (a source checkout without `npm run build`) */
export function cliConverge(opts: CliConvergeOptions = {}): ConvergeFn | undefined {
  if (!existsSync(join(packageRoot(), 'dist', 'cli', 'main.js'))) return undefined;
  return async (req) => {
    const argv = convergeArgv(req);
    // the output as it came, both streams interleaved, last lines only
    let tail: string[] = [];
    const r = await run([process.execPath, ...argv], opts.quiet ? { onLine: (l) => (tail = [...tail.slice(-200), l]) } : { stdio: 'inherit' });
    if (r.rc === 0) return;
    const how = `hapb run exited ${r.rc ?? 'by a signal'}`;
    throw opts.quiet
      ? new LabError(`converge of lab "${req.lab}" to profile ${req.profile} failed (${how})`, { hint: tail.join('\n').trim().split('\n').slice(-12).join('\n') })
      : new LabError(`converge of lab "${req.lab}" failed (${how})`, { hint: `the machines are up: fix and run again: hapb run ${argv.slice(2).join(' ')}` });
  };
}
