/**
 * Masks every secret in everything this process writes to stdout and stderr:
 * plain lines, -v output, listr2 progress, JSON, diffs, warnings and error
 * messages all go through process.stdout/stderr.write, so no output path can
 * forget to mask. Secrets are learnt during the run (src/secrets/registry.ts).
 */
import type { SecretRegistry } from '../secrets/registry.js';

type Write = typeof process.stdout.write;

/** Wrap the write of stdout and stderr; returns a function that restores them. */
export function maskProcessOutput(secrets: SecretRegistry): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  const wrappers: (Write | undefined)[] = [];
  streams.forEach((stream, i) => {
    const original = originals[i] as Write;
    const wrapped = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      if (secrets.size > 0) {
        if (typeof chunk === 'string') chunk = secrets.mask(chunk);
        else if (chunk instanceof Uint8Array) {
          const text = Buffer.from(chunk).toString('utf8');
          const masked = secrets.mask(text);
          if (masked !== text) chunk = Buffer.from(masked, 'utf8');
        }
      }
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    };
    stream.write = wrapped as Write;
    wrappers[i] = wrapped as Write;
  });
  return () => {
    streams.forEach((stream, i) => {
      // only if still ours: a closed pipe (output/pipes.ts) may have replaced it since
      if (stream.write === wrappers[i]) stream.write = originals[i] as Write;
    });
  };
}
