/**
 * command and shell: run a command on the host. `command` does not go
 * through a shell's expansion (its words are quoted); `shell` does. Both
 * always report changed unless creates/removes say the work is done. In check
 * mode they are skipped, unless creates/removes decide.
 */
import { posix } from 'node:path';
import { shellJoin, shellQuote } from '../connection/command.js';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { existsInProcess } from './in-process.js';
import { failedPlan } from './result.js';
import { shellSplit } from '../connection/command.js';
import type { CheckContext, Module, ModulePlan } from './types.js';

export type CommandArgs = {
  _raw_params?: string;
  cmd?: string;
  argv?: string[];
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdin_add_newline?: boolean | string;
  strip_empty_ends?: boolean | string;
  executable?: string;
};

const common = {
  _raw_params: stringSchema,
  cmd: stringSchema,
  chdir: stringSchema,
  creates: stringSchema,
  removes: stringSchema,
  stdin: stringSchema,
  stdin_add_newline: boolSchema,
  strip_empty_ends: boolSchema,
};

export const commandModule: Module<CommandArgs> = {
  name: 'command',
  freeForm: true,
  traits: { checkMode: 'full' },
  schema: objectSchema({ ...common, argv: { type: 'array', items: { type: ['string', 'number'] }, minItems: 1 } }),
  check: (ctx, args) => {
    const given = [args._raw_params, args.cmd, args.argv].filter((x) => x !== undefined).length;
    if (given !== 1) return Promise.resolve(failedPlan('command needs exactly one of a free-form command, cmd or argv'));
    let argv: string[];
    if (args.argv !== undefined) argv = args.argv.map(String);
    else {
      try {
        argv = shellSplit(args._raw_params ?? args.cmd ?? '');
      } catch (e) {
        return Promise.resolve(failedPlan((e as Error).message));
      }
    }
    // Ansible's command module reports cmd as the argument list
    return planCommand(ctx, args, shellJoin(argv), argv);
  },
};

export const shellModule: Module<CommandArgs> = {
  name: 'shell',
  freeForm: true,
  traits: { checkMode: 'full' },
  schema: objectSchema({ ...common, executable: stringSchema }),
  check: (ctx, args) => {
    const given = [args._raw_params, args.cmd].filter((x) => x !== undefined).length;
    if (given !== 1) return Promise.resolve(failedPlan('shell needs exactly one of a free-form command or cmd'));
    const script = args._raw_params ?? args.cmd ?? '';
    const line = args.executable ? `${shellQuote(args.executable)} -c ${shellQuote(script)}` : script;
    return planCommand(ctx, args, line, script);
  },
};

async function exists(ctx: CheckContext, path: string, chdir: string | undefined): Promise<boolean> {
  const p = chdir && !path.startsWith('/') ? posix.join(chdir, path) : path;
  if (ctx.inProcess && !/[*?[]/.test(p)) {
    const e = await existsInProcess(p);
    if (e !== undefined) return e;
  }
  // the pattern may be a glob, as in Ansible: let the shell expand it, quoting everything else
  const glob = /[*?[]/.test(p) ? p.split(/([*?]|\[[^\]]*\])/).map((part, i) => (i % 2 ? part : part === '' ? '' : shellQuote(part))).join('') : shellQuote(p);
  const r = await ctx.query(`for f in ${glob}; do [ -e "$f" ] || [ -L "$f" ] && exit 0; done; exit 1`);
  return r.rc === 0;
}

function lines(s: string): string[] {
  return s === '' ? [] : s.split('\n');
}

async function planCommand(
  ctx: CheckContext,
  args: CommandArgs,
  line: string,
  cmd: string | string[],
): Promise<ModulePlan> {
  if (args.creates !== undefined && (await exists(ctx, args.creates, args.chdir))) {
    const msg = `Did not run command since '${args.creates}' exists`;
    return { changed: false, msg, data: { cmd, rc: 0, stdout: `skipped, since ${args.creates} exists`, stdout_lines: [] } };
  }
  if (args.removes !== undefined && !(await exists(ctx, args.removes, args.chdir))) {
    const msg = `Did not run command since '${args.removes}' does not exist`;
    return { changed: false, msg, data: { cmd, rc: 0, stdout: `skipped, since ${args.removes} does not exist`, stdout_lines: [] } };
  }
  const decided = args.creates !== undefined || args.removes !== undefined;
  let stdin: string | undefined = args.stdin;
  if (stdin !== undefined && toBool(args.stdin_add_newline, 'stdin_add_newline', true)) stdin += '\n';
  const strip = toBool(args.strip_empty_ends, 'strip_empty_ends', true);
  return {
    changed: true,
    skipInCheck: !decided,
    skipMsg: 'Command would have run if not in check mode',
    // Ansible's keys even when the command does not run (check mode): `{{ out.stdout }}` is ''
    data: { cmd, rc: 0, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [], start: null, end: null, delta: null, msg: '' },
    steps: [{ run: line, keepOutput: true, ...(args.chdir !== undefined ? { cwd: args.chdir } : {}), ...(stdin !== undefined ? { stdin } : {}) }],
    report: ([r]) => {
      if (!r) return {};
      const stdout = strip ? r.stdout.replace(/\n+$/, '') : r.stdout;
      const stderr = strip ? r.stderr.replace(/\n+$/, '') : r.stderr;
      return {
        rc: r.rc,
        stdout,
        stderr,
        stdout_lines: lines(stdout),
        stderr_lines: lines(stderr),
        ...times(r.ms),
        msg: r.rc !== 0 ? 'non-zero return code' : '',
        ...(r.rc !== 0 ? { failed: true } : {}),
      };
    },
  };
}

/** Python's str(datetime) in local time: 2026-12-06 06:41:14.156491 */
function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

/** start, end and delta as Ansible's command module writes them (delta: str(timedelta)) */
function times(ms: number): { start: string; end: string; delta: string } {
  const end = Date.now();
  const s = Math.floor(ms / 1000);
  const delta = `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.${String(Math.round(ms % 1000)).padStart(3, '0')}000`;
  return { start: stamp(end - ms), end: stamp(end), delta };
}
