/** PLAY RECAP lines, and the recap as JSON for -o json. */
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

export function totals(recap: Recap): { ok: number; changed: number; unreachable: number; failed: number; skipped: number } {
  const t = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0 };
  for (const s of Object.values(recap)) {
    t.ok += s.ok;
    t.changed += s.changed;
    t.unreachable += s.unreachable;
    t.failed += s.failed;
    t.skipped += s.skipped;
  }
  return t;
}
