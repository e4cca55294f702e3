/**
 * A reader that goes away (`hapb run ... | head -1`) must not kill a run half
 * way through its hosts: a write error on stdout or stderr (EPIPE) marks that
 * stream closed, and later writes to it are dropped. The run goes on; the
 * command then gives what matters (the recap) on the other stream.
 */
export const closedStreams = { stdout: false, stderr: false };

let installed = false;

/** Install the handlers once, before anything is written. */
export function guardPipes(): void {
  if (installed) return;
  installed = true;
  guard(process.stdout, 'stdout');
  guard(process.stderr, 'stderr');
}

function guard(stream: NodeJS.WriteStream, name: keyof typeof closedStreams): void {
  stream.on('error', () => {
    // EPIPE, or any other write error: there is no one to tell on this stream
    closedStreams[name] = true;
    stream.write = ((_chunk: unknown, encOrCb?: unknown, cb?: unknown): boolean => {
      const done = typeof encOrCb === 'function' ? encOrCb : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof stream.write;
  });
}

/** Whether stdout was closed by its reader; waits for write errors still under way to arrive. */
export async function stdoutClosed(): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  return closedStreams.stdout;
}
