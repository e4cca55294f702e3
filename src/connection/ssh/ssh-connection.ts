/**
 * The SSH connection: one ssh2 client per host for the whole run, host keys
 * checked against known_hosts, ProxyCommand / ProxyJump transports, become
 * through sudo (the shared command builder), files over SFTP.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ServerHostKeyAlgorithm, Client as SshClient, SFTPWrapper } from 'ssh2';
import { ssh2 } from './ssh2-lazy.js';
import type SSHConfig from 'ssh-config';
import { ExitCode, HapbError, UnreachableError } from '../../errors/index.js';
import { buildCommand, shellQuote } from '../command.js';
import type { BecomeOptions, Connection, ConnectionOptions, ExecOptions, ExecResult, PutOptions } from '../types.js';
import { makeAuthHandler, type AuthState } from './auth.js';
import { becomeFailure, type BecomeError, redact } from './errors.js';
import { runOnChannel, type ChannelResult, type ChannelRun } from './exec-channel.js';
import { HostKeyVerifier, preferredHostKeyAlgos } from './host-key.js';
import { terminalAsker, type AskSecret } from './prompt.js';
import { ProxyCommandStream } from './proxy-command.js';
import { Semaphore } from './semaphore.js';
import {
  defaultSshEnv,
  loadSshConfig,
  resolveHostTarget,
  resolveJumpTarget,
  type SshEnv,
  type SshTarget,
} from './settings.js';


export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_KEEPALIVE_MS = 15_000;
/** below OpenSSH's default MaxSessions (10), one left for SFTP */
const MAX_CHANNELS = 8;
const MAX_JUMP_DEPTH = 8;
/** rc of a command stopped for running past its timeout (like coreutils `timeout`) */
export const TIMEOUT_RC = 124;

/**
 * Open a channel again when the server refused it, a few times, a little
 * later each time. sshd counts a closed session until its main loop collects
 * it, which may be after it reads the next open on the same connection: a
 * channel opened as soon as another closed is then refused ("no more
 * sessions" in its log, "Channel open failure: open failed" here) though this
 * side never has more than MAX_CHANNELS open. Seen with commands that take a
 * few ms. A refused open ran nothing, so opening again is safe.
 */
export async function retryRefusedOpen<T>(open: () => Promise<T>, delaysMs: readonly number[] = [5, 20, 50, 100, 200, 400]): Promise<T> {
  for (const delay of delaysMs) {
    try {
      return await open();
    } catch (err) {
      if (!(err instanceof Error && /Channel open failure/.test(err.message))) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  return open();
}

export interface SshConnectionOptions extends ConnectionOptions {
  /** local environment: home, user, ssh config path, agent socket (tests set these) */
  env?: Partial<SshEnv>;
  /** how to ask a key passphrase; default: the terminal when there is one */
  askPassphrase?: AskSecret | null;
  /** how long sudo may take to start the command or ask for a password (ms) */
  becomeTimeoutMs?: number;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function describeTarget(t: SshTarget): string {
  const where = `${t.user}@${t.hostname}${t.port === 22 ? '' : `:${t.port}`}`;
  if (t.proxyCommand) return `${where} (through ProxyCommand)`;
  if (t.proxyJump.length > 0) return `${where} (through ProxyJump ${t.proxyJump.map((j) => j.host).join(',')})`;
  return where;
}

export class SshConnection implements Connection {
  readonly host: string;
  /** where this connection goes, resolved from the host's vars and ssh config */
  readonly target: SshTarget;
  private readonly opts: SshConnectionOptions;
  private readonly env: SshEnv;
  private readonly config: SSHConfig;
  private readonly becomePassword: string | undefined;
  private readonly ask: AskSecret | undefined;
  private client: SshClient | undefined;
  private readonly jumpClients: SshClient[] = [];
  private readonly proxies: ProxyCommandStream[] = [];
  private connecting: Promise<void> | undefined;
  private lost: UnreachableError | undefined;
  private closed = false;
  private sftpSession: Promise<SFTPWrapper | null> | undefined;
  private readonly channels = new Semaphore(MAX_CHANNELS);
  /** host key lines written by acceptNewHostKeys during this connection */
  readonly recordedHostKeys: string[] = [];

  constructor(host: string, vars: Record<string, unknown>, opts: SshConnectionOptions = {}) {
    this.host = host;
    this.opts = opts;
    this.env = defaultSshEnv({ ...(opts.sshConfigFile ? { configFile: opts.sshConfigFile } : {}), ...opts.env });
    try {
      this.config = loadSshConfig(this.env.configFile);
      this.target = resolveHostTarget(host, vars, this.config, this.env);
    } catch (err) {
      throw new HapbError(`${host}: ${err instanceof Error ? err.message : String(err)}`, {
        exitCode: ExitCode.invalidInput,
        hint: 'check the host variables (ansible_host, ansible_port, ansible_ssh_common_args) and the ssh config',
        cause: err,
      });
    }
    this.becomePassword = str(vars.ansible_become_password) ?? str(vars.ansible_become_pass) ?? opts.becomePassword;
    this.ask = opts.askPassphrase === null ? undefined : (opts.askPassphrase ?? terminalAsker());
  }

  /** the user commands run as, without become */
  get loginUser(): string {
    return this.target.user;
  }

  connect(): Promise<void> {
    if (this.lost) return Promise.reject(this.lost);
    if (this.closed) return Promise.reject(new UnreachableError(this.host, 'connection already closed'));
    this.connecting ??= this.open().catch((err: unknown) => {
      this.connecting = undefined;
      this.closeClients();
      throw err;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = await this.openClient(this.target, 0);
    this.client = client;
    if (this.closed) {
      // close() was called while connecting
      this.closeClients();
      throw new UnreachableError(this.host, 'connection closed while connecting');
    }
    const onLost = (why: string): void => {
      // a client replaced by reconnect() says nothing about the new one
      if (this.closed || this.lost || this.client !== client) return;
      this.lost = new UnreachableError(
        this.host,
        `connection lost (${why})`,
        'the host stopped answering or closed the SSH connection',
      );
    };
    client.on('error', (err: Error) => onLost(err.message));
    client.on('close', () => onLost('closed by the remote side'));
  }

  private knownHostsFile(t: SshTarget): string {
    return this.opts.knownHostsFile ?? t.userKnownHostsFile ?? join(this.env.home, '.ssh', 'known_hosts');
  }

  private async openClient(target: SshTarget, depth: number): Promise<SshClient> {
    if (depth > MAX_JUMP_DEPTH) throw new UnreachableError(this.host, `more than ${MAX_JUMP_DEPTH} ProxyJump hops`);
    const verifier = new HostKeyVerifier(target.hostname, target.port, target.hostKeyAlias, {
      knownHostsFile: this.knownHostsFile(target),
      acceptNew:
        this.opts.acceptNewHostKeys === true ||
        target.strictHostKeyChecking === 'accept-new' ||
        target.strictHostKeyChecking === 'no' ||
        target.strictHostKeyChecking === 'off',
    });
    const knownTypes = await verifier.knownTypes();
    // the transport is made last, with no await between it and client.connect(),
    // so ssh2 is listening before a failing ProxyCommand can end it
    let sock: Duplex | undefined;
    let proxy: ProxyCommandStream | undefined;
    if (target.proxyJump.length > 0 && !target.proxyCommand) {
      sock = await this.jumpTo(target, depth);
    }
    const auth: AuthState = { tried: [], notes: [], prompting: false };
    const timeoutMs = this.opts.timeoutMs ?? target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const client = new (ssh2().Client)();
    if (target.proxyCommand) {
      proxy = new ProxyCommandStream(target.proxyCommand);
      this.proxies.push(proxy);
      sock = proxy;
    }

    return new Promise<SshClient>((resolve, reject) => {
      let settled = false;
      let handshakeDone = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.end();
        proxy?.destroy();
        reject(err);
      };
      const onTimeout = (): void => {
        if (auth.prompting) {
          timer = setTimeout(onTimeout, timeoutMs);
          return;
        }
        const what = handshakeDone ? 'authenticating to' : 'connecting to';
        fail(
          new UnreachableError(
            this.host,
            `timed out after ${timeoutMs} ms ${what} ${describeTarget(target)}`,
            'is the host up and its SSH port reachable from here?',
          ),
        );
      };
      let timer = setTimeout(onTimeout, timeoutMs);
      client.on('handshake', () => {
        handshakeDone = true;
        clearTimeout(timer);
        timer = setTimeout(onTimeout, Math.max(timeoutMs, 30_000));
      });
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // many small request/reply packets: Nagle's algorithm would delay each exec by tens of ms
        client.setNoDelay(true);
        if (verifier.recorded) this.recordedHostKeys.push(verifier.recorded);
        resolve(client);
      });
      // a ProxyCommand that died says why on stderr and in its exit status: wait a moment for both
      const failWith = (err: Error): void => {
        if (settled) return;
        if (proxy && !verifier.failure) proxy.afterFinish(500, () => fail(this.translate(err, target, verifier, auth, proxy)));
        else fail(this.translate(err, target, verifier, auth, proxy));
      };
      client.on('error', (err: Error) => failWith(err));
      client.on('close', () => failWith(new Error('connection closed')));
      try {
        client.connect({
          host: target.hostname,
          port: target.port,
          username: target.user,
          ...(sock ? { sock } : {}),
          readyTimeout: 0,
          keepaliveInterval: target.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS,
          keepaliveCountMax: 3,
          hostVerifier: verifier.verify,
          authHandler: makeAuthHandler(target, auth, this.ask),
          ...(knownTypes.length > 0
            ? { algorithms: { serverHostKey: preferredHostKeyAlgos(knownTypes) as ServerHostKeyAlgorithm[] } }
            : {}),
        });
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Connect to the last ProxyJump hop (itself through the earlier hops) and open a tunnel to the target. */
  private async jumpTo(target: SshTarget, depth: number): Promise<Duplex> {
    const hops = target.proxyJump;
    const last = hops[hops.length - 1];
    if (!last) throw new UnreachableError(this.host, 'empty ProxyJump');
    const jt = resolveJumpTarget(last, this.config, this.env);
    if (hops.length > 1) {
      jt.proxyJump = hops.slice(0, -1);
      jt.proxyCommand = undefined;
    }
    let jump: SshClient;
    try {
      jump = await this.openClient(jt, depth + 1);
    } catch (err) {
      if (err instanceof UnreachableError) {
        throw new UnreachableError(this.host, `jump host ${last.host}: ${err.message.replace(`${this.host}: `, '')}`, err.hint);
      }
      throw err;
    }
    this.jumpClients.push(jump);
    return new Promise<Duplex>((resolve, reject) => {
      jump.forwardOut('127.0.0.1', 0, target.hostname, target.port, (err, channel) => {
        if (err) {
          reject(
            new UnreachableError(
              this.host,
              `jump host ${last.host} could not open a connection to ${target.hostname}:${target.port}: ${err.message}`,
            ),
          );
          return;
        }
        resolve(channel);
      });
    });
  }

  private translate(
    err: Error,
    target: SshTarget,
    verifier: HostKeyVerifier,
    auth: AuthState,
    proxy: ProxyCommandStream | undefined,
  ): UnreachableError {
    if (verifier.failure) return new UnreachableError(this.host, verifier.failure.message, verifier.failure.hint);
    const where = describeTarget(target);
    const e = err as NodeJS.ErrnoException & { level?: string };
    if (e.level === 'client-authentication') {
      const tried = auth.tried.length > 0 ? auth.tried.join(', ') : 'no usable key';
      const hint =
        auth.notes.length > 0
          ? auth.notes.join('; ')
          : 'set ansible_ssh_private_key_file or IdentityFile, or add the key to ssh-agent';
      return new UnreachableError(this.host, `authentication failed for ${where} (tried: ${tried})`, hint);
    }
    if (proxy && (proxy.stderr || (proxy.exitCode !== null && proxy.exitCode !== 0))) {
      const said = proxy.stderr ? proxy.stderr.split('\n').slice(-3).join(' ') : `exit status ${proxy.exitCode}`;
      return new UnreachableError(this.host, `ProxyCommand for ${target.user}@${target.hostname}:${target.port} failed: ${said}`);
    }
    switch (e.code) {
      case 'ECONNREFUSED':
        return new UnreachableError(this.host, `connection refused by ${where}`, 'is sshd running and listening on that port?');
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new UnreachableError(this.host, `cannot resolve host name ${target.hostname}`, 'check ansible_host or HostName');
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return new UnreachableError(this.host, `no route to ${where}`);
      default:
        return new UnreachableError(this.host, `cannot connect to ${where}: ${err.message}`);
    }
  }

  private async ready(): Promise<SshClient> {
    if (this.lost) throw this.lost;
    await this.connect();
    if (this.lost) throw this.lost;
    if (!this.client) throw new UnreachableError(this.host, 'not connected');
    return this.client;
  }

  private async runChannel(run: ChannelRun): Promise<ChannelResult> {
    const client = await this.ready();
    const release = await this.channels.acquire();
    try {
      const r = await retryRefusedOpen(() => runOnChannel(client, run));
      if (this.lost && r.rc === null) throw this.lost;
      return r;
    } catch (err) {
      if (this.lost) throw this.lost;
      if (err instanceof HapbError) throw err;
      throw new UnreachableError(this.host, `cannot run a command: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      release();
    }
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.execRaw(command, opts);
    return { rc: r.rc, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
  }

  private async execRaw(command: string, opts: ExecOptions): Promise<{ rc: number; stdout: Buffer; stderr: string }> {
    const become: BecomeOptions | undefined = opts.become
      ? { ...opts.become, password: opts.become.password ?? this.becomePassword }
      : undefined;
    const plainOpts: ExecOptions = {
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
    };
    // the host stops a command past its timeout (coreutils timeout: TERM, then KILL 2 s later, rc 124)
    const limited =
      opts.timeoutMs !== undefined && opts.timeoutMs > 0
        ? `timeout -k 2 ${(opts.timeoutMs / 1000).toFixed(3)} /bin/sh -c ${shellQuote(command)}`
        : command;
    const plain = buildCommand(limited, plainOpts, this.loginUser);
    const needsSudo = become !== undefined && (become.user ?? 'root') !== this.loginUser;
    const secrets = [become?.password];

    let run: ChannelRun;
    if (!needsSudo) {
      run = { command: plain.command, ...(plain.stdin ? { stdin: plain.stdin } : {}) };
    } else {
      const tag = randomBytes(8).toString('hex');
      const marker = `HAPB-BECOME-OK-${tag}`;
      const prompt = `[hapb-sudo-${tag}] password: `;
      const wrapped = buildCommand(`echo ${marker}; ${plain.command}`, { become }, this.loginUser, prompt);
      run = {
        command: wrapped.command,
        ...(plain.stdin ? { stdin: plain.stdin } : {}),
        become: { marker, prompt, password: become.password },
        ...(this.opts.becomeTimeoutMs !== undefined ? { becomeTimeoutMs: this.opts.becomeTimeoutMs } : {}),
      };
    }
    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) run.timeoutMs = opts.timeoutMs + 5000;

    const started = Date.now();
    const r = await this.runChannel(run);
    const stderr = redact(r.stderr, secrets);
    if (r.timedOut || (r.rc === TIMEOUT_RC && opts.timeoutMs !== undefined && Date.now() - started >= opts.timeoutMs)) {
      // as LocalConnection and coreutils `timeout` report it
      const note = `command timed out after ${opts.timeoutMs} ms`;
      return { rc: TIMEOUT_RC, stdout: r.stdout, stderr: stderr && !stderr.endsWith('\n') ? `${stderr}\n${note}` : stderr + note };
    }
    if (needsSudo && !r.started) throw this.becomeError(become, r, stderr);
    return { rc: r.rc ?? 255, stdout: r.stdout, stderr };
  }

  private becomeError(become: BecomeOptions, r: ChannelResult, stderr: string): BecomeError {
    return becomeFailure(this.host, this.loginUser, become, r, stderr);
  }

  private sftp(): Promise<SFTPWrapper | null> {
    this.sftpSession ??= this.ready().then((client) =>
      retryRefusedOpen(
        () =>
          new Promise<SFTPWrapper>((resolve, reject) => {
            client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)));
          }),
      ).catch(() => null),
    );
    return this.sftpSession;
  }

  async put(content: Buffer, path: string, opts: PutOptions = {}): Promise<void> {
    const mode = opts.mode !== undefined ? parseInt(opts.mode, 8) : undefined;
    if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)) {
      throw new HapbError(`${this.host}: invalid file mode ${JSON.stringify(opts.mode)} for ${path}`, {
        exitCode: ExitCode.invalidInput,
      });
    }
    const sftp = await this.sftp();
    if (this.lost) throw this.lost;
    if (sftp) {
      await new Promise<void>((resolve, reject) => {
        // created 0600 (never readable by others while written), then given its mode
        sftp.writeFile(path, content, { mode: 0o600 }, (err) => (err ? reject(err) : resolve()));
      }).catch((err: unknown) => this.fileError('write', path, err));
      if (mode !== undefined) {
        await new Promise<void>((resolve, reject) => {
          sftp.chmod(path, mode, (err) => (err ? reject(err) : resolve()));
        }).catch((err: unknown) => this.fileError('chmod', path, err));
      }
      return;
    }
    // umask 077: the file is 0600 while cat writes it (an old file is narrowed first), then given its mode
    const q = shellQuote(path);
    const chmod = mode !== undefined ? ` && chmod ${mode.toString(8)} ${q}` : '';
    const r = await this.execRaw(`umask 077; if [ -e ${q} ]; then chmod 600 ${q} 2>/dev/null; fi; cat > ${q}${chmod}`, { stdin: content });
    if (r.rc !== 0) this.fileError('write', path, new Error(r.stderr.trim()));
  }

  async get(path: string): Promise<Buffer | null> {
    const sftp = await this.sftp();
    if (this.lost) throw this.lost;
    if (sftp) {
      return new Promise<Buffer | null>((resolve, reject) => {
        sftp.readFile(path, (err: (Error & { code?: number | string }) | undefined, data: Buffer) => {
          if (!err) resolve(data);
          else if (err.code === 2 || err.code === 'ENOENT') resolve(null);
          else reject(err);
        });
      }).catch((err: unknown) => this.fileError('read', path, err));
    }
    const q = shellQuote(path);
    const r = await this.execRaw(`if [ -e ${q} ]; then cat ${q}; else exit 97; fi`, {});
    if (r.rc === 97) return null;
    if (r.rc !== 0) this.fileError('read', path, new Error(r.stderr.trim()));
    return r.stdout;
  }

  private fileError(what: string, path: string, err: unknown): never {
    if (this.lost) throw this.lost;
    const msg = err instanceof Error ? err.message : String(err);
    throw new HapbError(`${this.host}: cannot ${what} ${path} as ${this.loginUser}: ${msg}`);
  }

  private closeClients(): void {
    this.client?.end();
    this.client = undefined;
    for (const j of this.jumpClients.splice(0).reverse()) j.end();
    // a ProxyCommand that does not exit when its stdin closes is stopped
    const proxies = this.proxies.splice(0);
    if (proxies.length > 0) {
      setTimeout(() => {
        for (const p of proxies) p.destroy();
      }, 1000).unref();
    }
  }

  /** A new transport after the host went away (reboot): the old one is dropped, lost or not. */
  async reconnect(): Promise<void> {
    if (this.closed) throw new UnreachableError(this.host, 'connection already closed');
    this.closeClients();
    this.lost = undefined;
    this.connecting = undefined;
    this.sftpSession = undefined;
    await this.connect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    if (client) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        client.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        this.closeClients();
      });
    } else {
      this.closeClients();
    }
  }
}
