/**
 * The default converge: `hapb run PLAYBOOK -i LAB_INVENTORY -e @profiles/PROFILE.yml`
 * as a child process of this same hapb (its output streams to the terminal).
 * The lead's CLI may pass its own hook (runPlaybook in-process) instead.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from './errors.js';
import type { ConvergeFn, ConvergeRequest } from './types.js';

/** the package root: src/lab/ or dist/lab/ are two levels below it */
export const packageRoot = (): string => resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** a path as given when it exists from here, else the package's own copy */
export function located(path: string): string {
  if (existsSync(path)) return path;
  const own = join(packageRoot(), path);
  return existsSync(own) ? own : path;
}

export function convergeArgv(req: ConvergeRequest): string[] {
  const argv = [join(packageRoot(), 'bin', 'hapb'), 'run', located(req.playbook), '-i', req.inventory];
  const profile = located(join('profiles', `${req.profile}.yml`));
  if (existsSync(profile)) argv.push('-e', `@${profile}`);
  return argv;
}

/** undefined when this hapb has no built CLI to run (a source checkout without `npm run build`) */
export function cliConverge(): ConvergeFn | undefined {
  if (!existsSync(join(packageRoot(), 'dist', 'cli', 'main.js'))) return undefined;
  return (req) =>
    new Promise((done, fail) => {
      const argv = convergeArgv(req);
      const child = spawn(process.execPath, argv, { stdio: 'inherit' });
      child.on('error', fail);
      child.on('close', (rc) => {
        if (rc === 0) done();
        else fail(new LabError(`converge of lab "${req.lab}" failed (hapb run exited ${rc ?? 'by a signal'})`, {
          hint: `the machines are up: fix and run again: hapb run ${argv.slice(2).join(' ')}`,
        }));
      });
    });
}
