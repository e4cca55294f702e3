/**
 * Errors that carry data. The first line of `message` is short and meant for a
 * person; details (hint, stderr...) follow on later lines.
 */

/**
 * Exit codes, Ansible's (lib/ansible/cli/__init__.py and the task queue
 * manager of ansible-core): 0 ok, 1 an error, 2 a host failed, 4 a host
 * unreachable (RUN_UNREACHABLE_HOSTS) or a parse error (AnsibleParserError),
 * 5 options that parse but cannot be used (AnsibleOptionsError); a command
 * line argparse rejects (unknown option, missing value) exits 2 in Ansible.
 */
export const ExitCode = {
  ok: 0,
  /** a generic error (AnsibleError) */
  error: 1,
  /** any host failed */
  hostFailed: 2,
  /** the command line cannot be parsed: unknown option, missing value (argparse's exit 2 in Ansible) */
  usage: 2,
  /** any host unreachable (and none failed): Ansible's RUN_UNREACHABLE_HOSTS */
  unreachable: 4,
  /** invalid input in a file: YAML, schema, templates, inventory (AnsibleParserError) */
  invalidInput: 4,
  /** a bad command-line option or value (AnsibleOptionsError) */
  badOption: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class HapbError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  constructor(message: string, opts: { exitCode?: ExitCode; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.exitCode = opts.exitCode ?? ExitCode.error;
    this.hint = opts.hint;
  }
  /** Text for a person: the message, then the hint on its own line. */
  format(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

/** A place in a source file. Lines and columns are 1-based. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}` : '<unknown>';
}

/** Bad input found in a file: YAML syntax, schema, inventory, template. Exit 4 (Ansible's parser error). */
export class SchemaError extends HapbError {
  readonly pos: SourcePos | undefined;
  readonly detail: string;
  constructor(detail: string, pos: SourcePos | undefined, hint?: string) {
    super(`${formatPos(pos)}: ${detail}`, { exitCode: ExitCode.invalidInput, ...(hint ? { hint } : {}) });
    this.pos = pos;
    this.detail = detail;
  }
}

/** Several input errors found at once (all reported before any host is touched). */
export class InputErrors extends HapbError {
  readonly errors: SchemaError[];
  constructor(errors: SchemaError[]) {
    super(errors.map((e) => e.format()).join('\n'), { exitCode: ExitCode.invalidInput });
    this.errors = errors;
  }
}

/** A module failed on a host. */
export class ModuleError extends HapbError {
  readonly host: string;
  readonly task: string;
  readonly rc: number | undefined;
  readonly stdout: string | undefined;
  readonly stderr: string | undefined;
  constructor(
    message: string,
    data: { host: string; task: string; rc?: number; stdout?: string; stderr?: string; hint?: string },
  ) {
    super(message, { exitCode: ExitCode.hostFailed, ...(data.hint ? { hint: data.hint } : {}) });
    this.host = data.host;
    this.task = data.task;
    this.rc = data.rc;
    this.stdout = data.stdout;
    this.stderr = data.stderr;
  }
}

/** The host could not be reached: it leaves the play, it is not "failed". */
export class UnreachableError extends HapbError {
  readonly host: string;
  constructor(host: string, message: string, hint?: string) {
    super(`${host}: ${message}`, { exitCode: ExitCode.unreachable, ...(hint ? { hint } : {}) });
    this.host = host;
  }
}

/** Describe any thrown value in one line. */
export function errorMessage(err: unknown): string {
  if (err instanceof HapbError) return err.format();
  if (err instanceof Error) return err.message;
  return String(err);
}
