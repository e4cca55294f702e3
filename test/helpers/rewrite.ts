/**
 * Write a file that a test writes again and again (fuzz cases): remove it
 * first, then write a new one. Truncating a file that has data (what
 * writeFileSync does to an existing file) makes ext4 flush it on close
 * (auto_da_alloc), a few milliseconds each time; a new file costs a tenth of a
 * millisecond. What the code under test reads is the same.
 */
import { rmSync, writeFileSync } from 'node:fs';

export function rewrite(path: string, text: string): void {
  rmSync(path, { force: true });
  writeFileSync(path, text);
}
