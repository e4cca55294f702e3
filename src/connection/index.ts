/**
 * Picks the connection for a host from `ansible_connection`: `ssh` (the
 * default) or `local`. Anything else is an input error.
 */
import { ExitCode, HapbError } from '../errors/index.js';
import { LocalConnection } from './local.js';
import { SshConnection } from './ssh/ssh-connection.js';
import type { Connection, ConnectionFactory, ConnectionOptions } from './types.js';

export { SshConnection, DEFAULT_CONNECT_TIMEOUT_MS, type SshConnectionOptions } from './ssh/ssh-connection.js';
export { BecomeError } from './ssh/errors.js';

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
      return new LocalConnection(host, opts.becomePassword !== undefined ? { becomePassword: opts.becomePassword } : {});
    default:
      throw new ConnectionTypeError(host, type);
  }
};
