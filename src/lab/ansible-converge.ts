/**
 * The converge by real Ansible: `ansible-playbook PLAYBOOK -i LAB_INVENTORY
 * -e @profiles/PROFILE.yml`, the same command line as hapb's converge
 * (src/lab/converge.ts). The lab's inventory already reaches every machine
 * through the lab's ProxyCommand (`ip netns exec <switch> node proxy.mjs`),
 * so Ansible, like hapb, never talks to a lab address from the root
 * namespace. The machines need Python: `hapb lab up --python`.
 *
 * Ansible's SSH masters (ControlPersist) live in a directory of the lab's
 * run dir and are closed when the run ends: no ssh process outlives it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from './errors.js';
import { extraVarArgs, located, packageRoot } from './converge.js';
import { labRunDir } from './paths.js';
import { run } from './run.js';
import type { ConvergeFn, ConvergeRequest } from './types.js';

export const ANSIBLE_PLAYBOOK = 'ansible-playbook';

export function ansibleArgv(req: ConvergeRequest, extra: readonly string[] = []): string[] {
  return [ANSIBLE_PLAYBOOK, located(req.playbook), '-i', req.inventory, ...extraVarArgs(req), ...extra];
}

/** where Ansible keeps its SSH control sockets for this lab (short: a socket path has at most 107 bytes) */
export const ansibleControlDir = (lab: string): string => join(labRunDir(lab), 'cp');

/**
 * The environment of the run: the caller's, plus what makes the package's
 * roles found from anywhere (its ansible.cfg, unless one is in the working
 * directory or named by ANSIBLE_CONFIG) and the lab's control socket dir.
 * Pipelining is on unless the environment says otherwise: the lab's login is
 * root (no sudo, no requiretty), and a module sent on the SSH session's stdin
 * saves the upload and the cleanup of its file.
 */
export function ansibleEnv(lab: string, base: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ANSIBLE_SSH_CONTROL_PATH_DIR: ansibleControlDir(lab) };
  const own = join(packageRoot(), 'ansible.cfg');
  if (env['ANSIBLE_CONFIG'] === undefined && !existsSync(join(cwd, 'ansible.cfg')) && existsSync(own)) env['ANSIBLE_CONFIG'] = own;
  // the lab's Debian has /usr/bin/python3: no warning about interpreter discovery
  env['ANSIBLE_PYTHON_INTERPRETER'] ??= 'auto_silent';
  env['ANSIBLE_PIPELINING'] ??= 'True';
  return env;
}

/** Ask every SSH master Ansible left in the lab's control dir to exit. */
export async function closeAnsibleMasters(lab: string): Promise<void> {
  const dir = ansibleControlDir(lab);
  if (!existsSync(dir)) return;
  await Promise.all(
    readdirSync(dir).map((sock) => run(['ssh', '-o', `ControlPath=${join(dir, sock)}`, '-O', 'exit', 'lab-machine'], { timeoutMs: 10_000 })),
  );
}

export interface AnsibleConvergeOptions {
  /** capture the output instead of streaming it; on failure its last lines are the hint */
  quiet?: boolean;
  /** more arguments for ansible-playbook (e.g. `--check`) */
  extraArgs?: readonly string[];
  /** each line of output, as it comes (with quiet) */
  onLine?: (line: string) => void;
}

/** A converge by `ansible-playbook`. */
export function ansibleConverge(opts: AnsibleConvergeOptions = {}): ConvergeFn {
  return async (req) => {
    const argv = ansibleArgv(req, opts.extraArgs);
    await mkdir(ansibleControlDir(req.lab), { recursive: true });
    let tail: string[] = [];
    const env = ansibleEnv(req.lab);
    const r = await run(
      argv,
      opts.quiet
        ? {
            env,
            onLine: (l) => {
              tail = [...tail.slice(-200), l];
              opts.onLine?.(l);
            },
          }
        : { env, stdio: 'inherit' },
    )
      .catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new LabError('ansible-playbook not found', { hint: 'apt-get install ansible-core (scripts/setup.sh lists it)' });
        }
        throw err;
      })
      .finally(() => closeAnsibleMasters(req.lab));
    if (r.rc === 0) return;
    const how = r.rc === null ? 'by a signal' : `${r.rc}`;
    throw opts.quiet
      ? new LabError(`ansible-playbook converge of lab "${req.lab}" to profile ${req.profile} failed (exited ${how})`, {
          hint: tail.join('\n').trim().split('\n').slice(-12).join('\n'),
        })
      : new LabError(`ansible-playbook converge of lab "${req.lab}" failed (exited ${how})`, {
          hint: `the machines are up: fix and run again: ${argv.join(' ')} (lab machines need Python: hapb lab up --python)`,
        });
  };
}
