/**
 * Gates for tests that need root, network namespaces or real machines. Off
 * root they are skipped; under HAPB_STRICT=1 (CI) scripts/test-summary.mjs
 * turns any skip into a failure.
 */
import { execFileSync } from 'node:child_process';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** true when tests needing root and network namespaces can run here */
export const canUseNamespaces = isRoot && hasCommand('ip') && hasCommand('unshare');
