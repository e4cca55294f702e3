/** A missing host program is an error naming its Debian package and scripts/setup.sh (the CLI, before anything is made: test/cli/lab-host-tools.test.ts). */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST_TOOLS, IMAGE_TOOLS, LAB_TOOLS, missingTools, onPath, requireHostTools } from '../../src/lab/host-tools.js';

const dir = mkdtempSync(join(tmpdir(), `hapb-t-tools-${process.pid}-`));
const bin = join(dir, 'bin');
mkdirSync(bin);
for (const [name, mode] of [['ip', 0o755], ['nft', 0o644]] as const) {
  writeFileSync(join(bin, name), '#!/bin/sh\n');
  chmodSync(join(bin, name), mode);
}
mkdirSync(join(bin, 'debootstrap'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('host tools', () => {
  it('onPath finds executable files only, in the given PATH', () => {
    expect(onPath('ip', `/nonexistent:${bin}`)).toBe(true);
    expect(onPath('nft', bin)).toBe(false); // not executable
    expect(onPath('debootstrap', bin)).toBe(false); // a directory
    expect(onPath('ip', '/nonexistent')).toBe(false);
  });

  it('every tool the lab and the image need has its Debian package', () => {
    for (const t of [...LAB_TOOLS, ...IMAGE_TOOLS]) expect(HOST_TOOLS[t]).toMatch(/^[a-z0-9.+-]+$/);
  });

  it('names each missing program, its package and the command that installs it', () => {
    const has = (c: string): boolean => onPath(c, bin);
    expect(missingTools(['ip', 'nft', 'debootstrap'], has)).toEqual(['nft', 'debootstrap']);
    let err: unknown;
    try {
      requireHostTools(['ip', 'nft', 'debootstrap', 'nsenter'], (c) => c === 'ip' || c === 'nsenter');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    const e = err as Error & { hint?: string };
    expect(e.message).toBe('missing on this machine: nft (Debian package nftables), debootstrap (Debian package debootstrap)');
    expect(e.hint).toContain('./scripts/setup.sh');
    expect(e.hint).toContain('apt-get install -y nftables debootstrap');
  });

  it('nothing missing: no error', () => {
    expect(() => requireHostTools(LAB_TOOLS, () => true)).not.toThrow();
  });
});
