/**
 * Issue 10, fuzz through the built CLI: a few seeded mutations of the seed
 * inventory, the site playbook and a role template (the same mutations as
 * test/unit/input-fuzz.test.ts) give exit 0 or 4 with `file:line:col`, never
 * exit 1 or a stack trace. --syntax-check: no host is contacted.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hapb, repoRoot } from '../helpers/cli.js';
import { prng } from '../helpers/prng.js';
import { mutate } from '../helpers/mutate.js';

const SEED = Number(process.env.HAPB_FUZZ_SEED ?? 20261206) + 1;
const CASES = 12;

const dir = mkdtempSync(join(tmpdir(), 'hapb-fuzz-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
cpSync(join(repoRoot, 'roles'), join(dir, 'roles'), { recursive: true });

const files = [
  [join(repoRoot, 'inventory', 'seed.yml'), join(dir, 'hosts.yml')],
  [join(repoRoot, 'playbooks', 'site.yml'), join(dir, 'site.yml')],
  [join(repoRoot, 'roles', 'keepalived', 'templates', 'keepalived.conf.j2'), join(dir, 'roles', 'keepalived', 'templates', 'keepalived.conf.j2')],
] as const;

describe('fuzz through the CLI', () => {
  it(`${CASES} cases (seed ${SEED}): exit 0 or 4, never a stack trace`, () => {
    const rand = prng(SEED);
    for (let c = 0; c < CASES; c++) {
      for (const [from, to] of files) {
        const text = readFileSync(from, 'utf8');
        writeFileSync(to, rand() < 0.5 ? mutate(text, rand) : text);
      }
      const r = hapb(['run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.yml'), '--syntax-check']);
      expect([0, 4], `case ${c}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
      expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(r.stderr).not.toMatch(/\(node:\d+\) Warning/);
      if (r.code === 4) expect(r.stderr).toMatch(/^ERROR: .+:\d+:\d+: /m);
    }
  }, 120_000);
});
