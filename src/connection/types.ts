/**
 * The transport: a small interface every connection implements (local, ssh,
 * lab). Quoting and privilege escalation live in one command builder
 * (connection/command.ts), not in modules.
 */

export interface BecomeOptions {
  /** become_user, default root */
  user?: string;
  /** become_method: only sudo is supported */
  method?: 'sudo';
  /** the sudo password, when not passwordless (never printed) */
  password?: string;
}

export interface ExecOptions {
  /** data written to the command's stdin */
  stdin?: string | Buffer;
  /** run through sudo as this user */
  become?: BecomeOptions;
  /** working directory on the host */
  cwd?: string;
  /** extra environment */
  env?: Record<string, string>;
  /** kill the command after this many milliseconds */
  timeoutMs?: number;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
}

export interface PutOptions {
  /**
   * octal mode string such as "0644" given to the file once written. A file
   * put creates is 0600 while written (never readable by others), and stays so without a mode.
   */
  mode?: string;
}

/** One open connection to one host, reused for the whole run. */
export interface Connection {
  /** inventory name of the host */
  readonly host: string;
  /** open the connection; throws UnreachableError when the host cannot be reached */
  connect(): Promise<void>;
  /** run `command` with /bin/sh -c on the host */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Write `content` to `path` on the host as the login user (not atomic by
   * itself: callers upload to a temp path beside the destination and rename).
   */
  put(content: Buffer, path: string, opts?: PutOptions): Promise<void>;
  /** read a file; null when it does not exist */
  get(path: string): Promise<Buffer | null>;
  close(): Promise<void>;
  /**
   * Drop the transport and open a new one (after the host rebooted: the reboot
   * module). Throws UnreachableError while the host is down. Optional: a
   * connection that cannot lose its host (local) has none.
   */
  reconnect?(): Promise<void>;
  /**
   * The host is this machine and a command run with `become` would run as
   * this process's user: its files may be read and written with node:fs
   * instead of commands (modules/in-process.ts). Optional: only local has it.
   */
  inProcess?(become: BecomeOptions | undefined): boolean;
}

/** Connection variables, with Ansible's names. */
export interface ConnectionVars {
  ansible_connection?: string;
  ansible_host?: string;
  ansible_port?: number;
  ansible_user?: string;
  ansible_ssh_private_key_file?: string;
  ansible_ssh_common_args?: string;
  ansible_become?: boolean;
  ansible_become_user?: string;
  ansible_become_password?: string;
}

/** Options from the command line that every connection may use. */
export interface ConnectionOptions {
  /** connect timeout in ms */
  timeoutMs?: number;
  /** record unknown host keys (like OpenSSH accept-new) */
  acceptNewHostKeys?: boolean;
  /** path of known_hosts to use instead of ~/.ssh/known_hosts */
  knownHostsFile?: string;
  /** ssh config file instead of ~/.ssh/config */
  sshConfigFile?: string;
  /** become password from --ask-become-pass */
  becomePassword?: string;
}

/** Makes a connection for a host given its resolved variables. */
export type ConnectionFactory = (
  host: string,
  vars: Record<string, unknown>,
  opts: ConnectionOptions,
) => Connection;
