/**
 * ssh2, loaded on first use: a run with only local hosts (and every command
 * that connects nowhere) does not pay for loading it at start.
 */
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';

let loaded: typeof Ssh2 | undefined;

export function ssh2(): typeof Ssh2 {
  loaded ??= createRequire(import.meta.url)('ssh2') as typeof Ssh2;
  return loaded;
}
