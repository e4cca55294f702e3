/**
 * The integration project's global setup: names the lab that the drill and
 * status files share (test/helpers/shared-lab.ts) for this test run, and takes
 * it down when the run ends. Nothing is booted here: the first file that asks
 * for the lab boots it, so a run of other files boots none.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot } from './cli.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sharedLab: string;
  }
}

let name = '';

export function setup(project: TestProject): void {
  // the runner's PID: two test runs side by side each get their own
  name = `t-shared-${process.pid}`;
  project.provide('sharedLab', name);
}

export function teardown(): void {
  if (!name) return;
  // quiet and quick when the lab was never booted
  spawnSync(process.execPath, [join(repoRoot, 'bin', 'hapb'), 'lab', 'down', '--name', name], { stdio: 'ignore', timeout: 120_000 });
}
