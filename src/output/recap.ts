/** PLAY RECAP lines, as Ansible prints them. */
import type { Recap } from '../engine/types.js';

export function formatRecap(recap: Recap): string {
  const names = Object.keys(recap);
  const width = Math.max(0, ...names.map((n) => n.length)) + 1;
  return names
    .map((n) => {
      const s = recap[n]!;
      return `${n.padEnd(width)}: ok=${s.ok}    changed=${s.changed}    unreachable=${s.unreachable}    failed=${s.failed}    skipped=${s.skipped}    rescued=${s.rescued}    ignored=${s.ignored}`;
    })
    .join('\n')
    .concat('\n');
}
