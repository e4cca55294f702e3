/**
 * Picks the connection for a host from `ansible_connection`: `ssh` (the
 * default) or `local`. Anything else is an input error.
 */
import { ExitCode, HapbError } from '../errors/index.js';
import { SshConnection } from './ssh/ssh-connection.js';
import type { Connection, ConnectionFactory, ConnectionOptions, ExecOptions, ExecResult, PutOptions } from './types.js';

export { SshConnection, DEFAULT_CONNECT_TIMEOUT_MS, type SshConnectionOptions } from './ssh/ssh-connection.js';
export { BecomeError } from './ssh/errors.js';

type LocalConnectionClass = new (host: string) => Connection;

/**
 * LocalConnection (src/connection/local.ts) comes from the modules branch. It
 * is loaded on first use so this file builds before both branches are merged;
 * after the merge this can become a static `import { LocalConnection } from './local.js'`.
 */
class DeferredLocalConnection implements Connection {
  readonly host: string;
  private inner: Promise<Connection> | undefined;
  constructor(host: string) {
    this.host = host;
  }
  private conn(): Promise<Connection> {
    const specifier = './local.js';
    this.inner ??= (import(specifier) as Promise<{ LocalConnection: LocalConnectionClass }>).then(
      (m) => new m.LocalConnection(this.host),
    );
    return this.inner;
  }
  async connect(): Promise<void> {
    await (await this.conn()).connect();
  }
  async exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    return (await this.conn()).exec(command, opts);
  }
  async put(content: Buffer, path: string, opts?: PutOptions): Promise<void> {
    return (await this.conn()).put(content, path, opts);
  }
  async get(path: string): Promise<Buffer | null> {
    return (await this.conn()).get(path);
  }
  async close(): Promise<void> {
    if (this.inner) await (await this.inner).close();
  }
}

export const CONNECTION_TYPES = ['ssh', 'local'] as const;

export class ConnectionTypeError extends HapbError {
  readonly host: string;
  readonly connection: string;
  constructor(host: string, connection: string) {
    super(`${host}: unknown ansible_connection ${JSON.stringify(connection)}`, {
      exitCode: ExitCode.invalidInput,
      hint: `use one of: ${CONNECTION_TYPES.join(', ')}`,
    });
    this.host = host;
    this.connection = connection;
  }
}

export const createConnection: ConnectionFactory = (
  host: string,
  vars: Record<string, unknown>,
  opts: ConnectionOptions,
): Connection => {
  const raw = vars.ansible_connection;
  const type = raw === undefined || raw === null || raw === '' ? 'ssh' : String(raw);
  switch (type) {
    case 'ssh':
    case 'ansible.builtin.ssh':
    case 'paramiko':
      return new SshConnection(host, vars, opts);
    case 'local':
    case 'ansible.builtin.local':
      return new DeferredLocalConnection(host);
    default:
      throw new ConnectionTypeError(host, type);
  }
};
