/** Command-line arguments of the standalone load generator. */
import { parseArgs } from 'node:util';
import { HapbError, ExitCode } from '../../errors/index.js';
import type { LoadOptions } from '../types.js';

export interface LoadgenArgs extends LoadOptions {
  watchStdin: boolean;
}

function positive(name: string, v: string | undefined, dflt: number, allowZero = false): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new HapbError(`--${name}: expected a ${allowZero ? 'non-negative' : 'positive'} number, got "${v}"`, {
      exitCode: ExitCode.invalidInput,
    });
  }
  return n;
}

export function parseLoadgenArgs(argv: string[]): LoadgenArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', multiple: true },
      rate: { type: 'string' },
      'timeout-ms': { type: 'string' },
      'duration-ms': { type: 'string' },
      count: { type: 'string' },
      keepalive: { type: 'string' },
      ca: { type: 'string' },
      'watch-stdin': { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.url || values.url.length === 0) {
    throw new HapbError('--url is required', { exitCode: ExitCode.invalidInput, hint: 'e.g. --url http://10.199.0.100/' });
  }
  const urls = values.url.map((u) => {
    try {
      return new URL(u).href;
    } catch {
      throw new HapbError(`--url: not a URL: "${u}"`, { exitCode: ExitCode.invalidInput });
    }
  });
  const out: LoadgenArgs = {
    url: urls[0] as string,
    // several --url: requests go round them (one VIP after the other, as DNS round robin)
    ...(urls.length > 1 ? { urls } : {}),
    rate: positive('rate', values.rate, 200),
    timeoutMs: positive('timeout-ms', values['timeout-ms'], 5000),
    durationMs: positive('duration-ms', values['duration-ms'], 10_000),
    keepalive: Math.floor(positive('keepalive', values.keepalive, 0, true)),
    watchStdin: values['watch-stdin'] ?? false,
  };
  if (values.ca !== undefined) out.ca = values.ca;
  if (values.count !== undefined) out.count = Math.floor(positive('count', values.count, 1));
  return out;
}
