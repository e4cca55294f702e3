/**
 * Ask for a secret on the terminal without echo. Only used when stdin and
 * stderr are a TTY; prompts from several hosts are asked one at a time.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export type AskSecret = (question: string) => Promise<string>;

let queue: Promise<unknown> = Promise.resolve();

function askOnce(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let muted = false;
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (!muted) process.stderr.write(chunk);
        cb();
      },
    });
    const rl = createInterface({ input: process.stdin, output: out, terminal: true });
    rl.question(question, (answer) => {
      process.stderr.write('\n');
      rl.close();
      resolve(answer);
    });
    rl.on('SIGINT', () => {
      rl.close();
      reject(new Error('passphrase prompt interrupted'));
    });
    muted = true;
  });
}

/** The terminal prompt, or undefined when hapb does not run on a terminal. */
export function terminalAsker(): AskSecret | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (question) => {
    const next = queue.then(() => askOnce(question));
    queue = next.catch(() => undefined);
    return next;
  };
}
