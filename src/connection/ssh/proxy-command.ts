/**
 * A ProxyCommand transport: `sh -c 'exec CMD'` whose stdin/stdout carry the SSH
 * stream, as OpenSSH runs it. Its stderr is kept (last 4 KiB) to explain a
 * failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';

export class ProxyCommandStream extends Duplex {
  readonly child: ChildProcess;
  private stderrTail = '';
  exitCode: number | null = null;
  /** the command exited and its output streams are closed */
  finished = false;

  constructor(command: string) {
    super();
    // `exec`, as OpenSSH does: the command itself is the child, so stopping it stops the transport
    const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    // ssh2 listens for errors while it uses the stream; one arriving after it let go must not crash hapb
    this.on('error', () => undefined);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout?.pause();
    });
    // the stream ends on the child's 'close' (after its exit), so a failure can report the exit status
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4096);
    });
    child.stdin?.on('error', () => {
      /* the command exited: reported through 'close' */
    });
    child.on('error', (err) => this.destroy(err));
    child.on('exit', (code) => {
      this.exitCode = code;
    });
    child.on('close', () => {
      this.finished = true;
      this.push(null);
      this.destroy();
    });
  }

  /** call `cb` once the command has finished, or after `maxMs` */
  afterFinish(maxMs: number, cb: () => void): void {
    if (this.finished) {
      cb();
      return;
    }
    let called = false;
    const once = (): void => {
      if (called) return;
      called = true;
      clearTimeout(t);
      cb();
    };
    const t = setTimeout(once, maxMs);
    this.child.once('close', once);
  }

  /** what the command wrote on stderr, trimmed */
  get stderr(): string {
    return this.stderrTail.trim();
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed) {
      cb();
      return;
    }
    stdin.write(chunk, (err) => cb(err ?? null));
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    cb(err);
  }
}
