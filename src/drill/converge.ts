/**
 * The drill's converge hook: this build's `hapb run` (as `hapb lab up` runs it),
 * but with its output captured, so stdout stays the drill's (-o json) and the
 * progress display stays whole. On failure the tail of the output is the hint.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HapbError } from '../errors/index.js';
import { convergeArgv, packageRoot } from '../lab/converge.js';
import type { ConvergeLike } from './lab-adapter.js';

export function quietConverge(): ConvergeLike | undefined {
  if (!existsSync(join(packageRoot(), 'dist', 'cli', 'main.js'))) return undefined;
  return (req) =>
    new Promise((resolve, reject) => {
      const argv = convergeArgv(req);
      const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      let tail = '';
      const keep = (b: Buffer): void => {
        tail = (tail + b.toString()).slice(-4000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', reject);
      child.on('close', (rc) => {
        if (rc === 0) resolve();
        else {
          reject(
            new HapbError(`converge of lab "${req.lab}" to profile ${req.profile} failed (hapb run exited ${rc ?? 'by a signal'})`, {
              hint: tail.trim().split('\n').slice(-12).join('\n'),
            }),
          );
        }
      });
    });
}
