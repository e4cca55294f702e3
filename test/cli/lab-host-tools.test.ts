/** `hapb lab up` on a machine without the lab's programs: an error naming the packages and scripts/setup.sh, and nothing created. */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hapb } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), `hapb-t-tools-cli-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hapb lab up on a machine without the lab programs', () => {
  it('fails at once naming the packages and scripts/setup.sh; creates nothing', () => {
    const empty = join(dir, 'empty-path');
    const varRoot = join(dir, 'var');
    const runRoot = join(dir, 'run');
    for (const d of [empty, varRoot, runRoot]) mkdirSync(d);
    const r = hapb(['lab', 'up', '--name', `t-tools-${process.pid}`], { env: { PATH: empty, HAPB_LAB_VAR: varRoot, HAPB_LAB_RUN: runRoot } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('missing on this machine: systemd-nspawn (Debian package systemd-container), ip (Debian package iproute2)');
    expect(r.stderr).toContain('./scripts/setup.sh');
    expect(r.stderr).not.toContain('ENOENT');
    expect(readdirSync(varRoot)).toEqual([]);
    expect(readdirSync(runRoot)).toEqual([]);
  });
});
