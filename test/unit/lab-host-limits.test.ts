import { describe, expect, it } from 'vitest';
import { inotifyWanted, INOTIFY_PER_MACHINE } from '../../src/lab/host-limits.js';

describe('inotifyWanted', () => {
  it.each([
    [0, 1024],
    [5, 1024],
    [128, 1024],
    [200, 200 * INOTIFY_PER_MACHINE],
  ])('%i machines want %i instances', (n, want) => {
    expect(inotifyWanted(n)).toBe(want);
  });
});
