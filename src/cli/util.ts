/** Small helpers shared by the commands. */
import { createInterface } from 'node:readline';

/** commander accumulator for repeatable options */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Ask on the terminal without echoing (for passwords). */
export async function askHidden(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    // Not a terminal: read one line from stdin.
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    return '';
  }
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    let value = '';
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
