/** Unified diffs for --diff, as Ansible prints them. */
import { createTwoFilesPatch } from 'diff';
import type { FileDiff } from '../engine/types.js';

export function formatDiff(d: FileDiff): string {
  if (d.omitted) return `--- before: ${d.path}\n+++ after: ${d.path}\n(diff omitted: ${d.omitted})\n`;
  const patch = createTwoFilesPatch(`before: ${d.path}`, `after: ${d.path}`, d.before, d.after, undefined, undefined, { context: 3 });
  // drop the "====" header line the library prints first
  return patch.replace(/^=+\n/, '');
}
