/**
 * A scripted Connection for module unit tests: the host's state is the
 * input (replies to commands, files), and every command and upload is
 * recorded so a test can assert what a module did or would do.
 */
import type { Connection, ExecOptions, ExecResult, PutOptions } from '../../src/connection/types.js';

export type Reply = Partial<ExecResult> | ((command: string, opts: ExecOptions) => Partial<ExecResult>);

export interface Rule {
  /** a substring or a regex of the command */
  match: string | RegExp;
  reply: Reply;
}

export interface ExecCall {
  command: string;
  opts: ExecOptions;
}

export class RecordingConnection implements Connection {
  readonly host: string;
  readonly calls: ExecCall[] = [];
  readonly puts: { path: string; content: Buffer; mode?: string }[] = [];
  readonly files = new Map<string, Buffer>();
  private readonly rules: Rule[];

  /** Rules are tried in order; the first whose match fits the command answers. Unmatched commands throw. */
  constructor(rules: Rule[] = [], host = 'scripted') {
    this.rules = [...rules];
    this.host = host;
  }

  /** add rules tried before the existing ones (a later state of the host) */
  script(...rules: Rule[]): this {
    this.rules.unshift(...rules);
    return this;
  }

  async connect(): Promise<void> {}

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ command, opts });
    const rule = this.rules.find((r) => (typeof r.match === 'string' ? command.includes(r.match) : r.match.test(command)));
    if (!rule) throw new Error(`RecordingConnection: no scripted reply for: ${command}`);
    const r = typeof rule.reply === 'function' ? rule.reply(command, opts) : rule.reply;
    return { rc: r.rc ?? 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  async put(content: Buffer, path: string, opts: PutOptions = {}): Promise<void> {
    this.puts.push({ path, content, ...(opts.mode !== undefined ? { mode: opts.mode } : {}) });
    this.files.set(path, content);
  }

  async get(path: string): Promise<Buffer | null> {
    return this.files.get(path) ?? null;
  }

  async close(): Promise<void> {}

  /** the commands run so far, in order */
  get commands(): string[] {
    return this.calls.map((c) => c.command);
  }
}
