/**
 * Run one command on an SSH exec channel and collect rc, stdout and stderr.
 *
 * With become, the command first prints a random marker: stdin is sent only
 * after sudo let the command start, and the sudo password only when sudo
 * prints our prompt (so a passwordless sudo never passes the password to the
 * command). A second prompt means a wrong password: stdin is closed at once.
 * If sudo neither prompts nor starts the command within `becomeTimeoutMs`,
 * stdin is closed too: sudo fails instead of hanging.
 */
import { constants as osConstants } from 'node:os';
import type { Client, ClientChannel } from 'ssh2';

export interface BecomeRun {
  marker: string;
  prompt: string;
  password: string | undefined;
}

export interface ChannelRun {
  command: string;
  stdin?: Buffer;
  become?: BecomeRun;
  timeoutMs?: number;
  becomeTimeoutMs?: number;
}

export interface ChannelResult {
  /** exit status; null when the channel closed without one (connection lost) */
  rc: number | null;
  stdout: Buffer;
  stderr: string;
  /** true without become; with become, true once the marker was seen */
  started: boolean;
  /** how many times sudo asked for the password */
  prompts: number;
  timedOut: boolean;
  becomeStuck: boolean;
}

function signalRc(sig: string | undefined): number {
  if (!sig) return 255;
  const name = (sig.startsWith('SIG') ? sig : `SIG${sig}`) as keyof typeof osConstants.signals;
  const n = osConstants.signals[name];
  return typeof n === 'number' ? 128 + n : 255;
}

export function runOnChannel(client: Client, run: ChannelRun): Promise<ChannelResult> {
  return new Promise((resolve, reject) => {
    client.exec(run.command, (err: Error | undefined, stream: ClientChannel) => {
      if (err) {
        reject(err);
        return;
      }
      let rc: number | null = null;
      let exitSignal: string | undefined;
      const out: Buffer[] = [];
      const errChunks: Buffer[] = [];
      let pending = Buffer.alloc(0);
      let started = !run.become;
      let prompts = 0;
      let timedOut = false;
      let becomeStuck = false;
      const timers: NodeJS.Timeout[] = [];

      const sendStdin = (): void => {
        if (run.stdin && run.stdin.length > 0) stream.write(run.stdin);
        stream.end();
      };

      stream.on('exit', (code: number | null, signal?: string) => {
        if (typeof code === 'number') rc = code;
        else exitSignal = signal ?? 'KILL';
      });

      stream.on('data', (d: Buffer) => {
        if (started) {
          out.push(d);
          return;
        }
        const become = run.become;
        if (!become) return;
        pending = Buffer.concat([pending, d]);
        const tag = Buffer.from(`${become.marker}\n`);
        const idx = pending.indexOf(tag);
        if (idx >= 0) {
          started = true;
          out.push(pending.subarray(idx + tag.length));
          pending = Buffer.alloc(0);
          sendStdin();
        }
      });

      let errText = '';
      stream.stderr.on('data', (d: Buffer) => {
        errChunks.push(d);
        const become = run.become;
        if (started || !become) return;
        errText += d.toString('utf8');
        const seen = errText.split(become.prompt).length - 1;
        while (prompts < seen) {
          prompts++;
          if (prompts === 1 && become.password !== undefined) stream.write(`${become.password}\n`);
          else stream.end();
        }
      });

      if (run.become) {
        timers.push(
          setTimeout(() => {
            if (!started) {
              becomeStuck = true;
              stream.end();
              timers.push(setTimeout(() => stream.close(), 2000));
            }
          }, run.becomeTimeoutMs ?? 15_000),
        );
      } else {
        sendStdin();
      }

      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        for (const t of timers) clearTimeout(t);
        let stderr = Buffer.concat(errChunks).toString('utf8');
        if (run.become) stderr = stderr.split(run.become.prompt).join('');
        resolve({
          rc: rc ?? (exitSignal ? signalRc(exitSignal) : null),
          stdout: Buffer.concat(out),
          stderr,
          started,
          prompts,
          timedOut,
          becomeStuck,
        });
      };

      if (run.timeoutMs !== undefined && run.timeoutMs > 0) {
        // a backstop: the remote side is expected to stop the command itself
        // (ssh2 cannot send a signal once stdin is closed)
        timers.push(
          setTimeout(() => {
            timedOut = true;
            stream.close();
            timers.push(setTimeout(finish, 1000));
          }, run.timeoutMs),
        );
      }

      stream.on('close', finish);
    });
  });
}
