/**
 * Standalone load generator, run INSIDE the client machine's network namespace:
 *   nsenter --net=/proc/<pid>/ns/net node dist/drill/loadgen/main.js --url http://VIP/ ...
 * stdout: JSON lines (start, one `req` per request, end); stderr: progress.
 * Stops by itself (count and time bound), or cleanly on SIGTERM/SIGINT, or when
 * stdin closes under --watch-stdin. Exit 0 when it ran, 4 on bad arguments.
 */
import { errorMessage, HapbError } from '../../errors/index.js';
import { parseLoadgenArgs } from './args.js';
import type { LoadLine } from './protocol.js';
import { runLoad } from './run-load.js';

function emit(line: LoadLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

async function main(): Promise<number> {
  const args = parseLoadgenArgs(process.argv.slice(2));
  // No error here needs its stack, and undici makes error objects on every
  // request's path (a fresh connection per request): in a CPU profile of a
  // lab's client at 800 req/s, capturing their stacks was a fifth of this
  // process's busy time, CPU that a starved client takes from its own timing.
  Error.stackTraceLimit = 0;
  const { watchStdin, ...opts } = args;
  let ok = 0;
  let failed = 0;
  const load = runLoad(opts, (r) => {
    if (r.kind === 'ok') ok++;
    else failed++;
    emit({ type: 'req', ...r });
  });
  emit({ type: 'start', t0Epoch: load.t0Epoch, options: opts, planned: load.planned });
  process.once('SIGTERM', () => load.stop('SIGTERM'));
  process.once('SIGINT', () => load.stop('SIGINT'));
  if (watchStdin) {
    process.stdin.on('data', () => undefined);
    process.stdin.once('end', () => load.stop('stdin closed'));
  }
  const started = Date.now();
  const tick = setInterval(() => {
    const t = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`loadgen t=${t}s ok=${ok} failed=${failed}\n`);
  }, 1000);
  const end = await load.done;
  clearInterval(tick);
  emit({ type: 'end', ...end });
  process.stderr.write(`loadgen done: sent=${end.sent} ok=${ok} failed=${failed}\n`);
  if (watchStdin) process.stdin.destroy();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`loadgen: ${errorMessage(err)}\n`);
    process.exitCode = err instanceof HapbError ? err.exitCode : 1;
  },
);
