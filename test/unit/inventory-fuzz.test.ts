/**
 * Fuzz-style robustness: random YAML documents and random byte mutations of a
 * valid inventory never make the loader throw anything but SchemaError or
 * InputErrors, and an inventory that loads can always be resolved and listed.
 * Seeded, so a failure names a case that can be replayed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { InputErrors, SchemaError } from '../../src/errors/index.js';
import {
  formatInventoryJson,
  hostVars,
  inventoryFromIni,
  inventoryFromYaml,
  inventoryList,
  loadInventory,
  magicVars,
  selectHosts,
  type Inventory,
} from '../../src/inventory/index.js';
import { prng } from '../helpers/prng.js';
import { rewrite } from '../helpers/rewrite.js';

const KEYS = [
  'all', 'children', 'hosts', 'vars', 'host', 'child', 'web', 'web1', 'web2', 'directors', 'master',
  'ungrouped', 'web[1:3]', 'db-[a:c]', 'web[3:1]', 'w[1:99999]', 'db1:2222', 'fe80::1', 'ansible_host',
  'ansible_port', 'ansible_group_priority', 'vip', 'plugin', '<<', '__proto__', '', 'a/b', 'x~y', '~', '*',
];
const SCALARS: unknown[] = [null, 0, 1, -3, 1.5, true, false, '', 'web1', '192.168.0.40', '{{ vip }}', 'high', '10', 'all'];

function randomValue(rand: () => number, depth: number, pool: object[]): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const r = rand();
  if (depth <= 0 || r < 0.3) return pick(SCALARS);
  if (r < 0.38 && pool.length > 0) return pick(pool); // shared or circular reference: a YAML alias
  if (r < 0.5) {
    const seq: unknown[] = [];
    pool.push(seq);
    const n = Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) seq.push(randomValue(rand, depth - 1, pool));
    return seq;
  }
  const map: Record<string, unknown> = {};
  pool.push(map);
  const n = Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) {
    Object.defineProperty(map, pick(KEYS), {
      value: randomValue(rand, depth - 1, pool),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return map;
}

const MUTATION_CHARS = [':', ' ', '\n', '-', '[', ']', '{', '}', '&', '*', '!', '\t', '"', "'", '#', '|', '>', '?', ',', '%', '@', '`', '\0', 'é', 'a', '1'];

function mutate(rand: () => number, text: string): string {
  let s = text;
  const n = 1 + Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rand() * (s.length + 1));
    const ch = MUTATION_CHARS[Math.floor(rand() * MUTATION_CHARS.length)] ?? ' ';
    const op = rand();
    if (op < 0.3) s = s.slice(0, at) + s.slice(at + 1);
    else if (op < 0.6) s = s.slice(0, at) + ch + s.slice(at);
    else if (op < 0.85) s = s.slice(0, at) + ch + s.slice(at + 1);
    else {
      const lines = s.split('\n');
      const a = Math.floor(rand() * lines.length);
      const b = Math.floor(rand() * lines.length);
      if (rand() < 0.5) lines.splice(b, 0, lines[a] ?? '');
      else [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      s = lines.join('\n');
    }
  }
  return s;
}

/** Load, and if it loads use every read API; return what was thrown (or undefined). */
function exercise(load: () => Inventory): unknown {
  let inv: Inventory;
  try {
    inv = load();
  } catch (e) {
    return e;
  }
  for (const host of inv.hosts.keys()) {
    hostVars(inv, host);
    magicVars(inv, host);
    for (const key of Object.keys(hostVars(inv, host))) inv.varPos(host, key);
  }
  selectHosts(inv, 'all:!web1:&web*');
  formatInventoryJson(inventoryList(inv));
  return undefined;
}

/** What is wrong with a thrown value: not an input error, or an input error without a position. */
function problemWith(e: unknown, label: string): string | undefined {
  if (e === undefined) return undefined;
  if (!(e instanceof SchemaError) && !(e instanceof InputErrors)) return `${label}: threw ${String(e)}`;
  const errors = e instanceof InputErrors ? e.errors : [e];
  if (errors.length === 0) return `${label}: InputErrors without errors`;
  const bad = errors.find((err) => err.pos === undefined || err.pos.line < 1);
  return bad ? `${label}: no position in ${bad.message}` : undefined;
}

/** The yaml package warns on stderr about complex keys; keep the test output readable. */
function quietly(fn: () => void): void {
  const original = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    fn();
  } finally {
    process.emitWarning = original;
  }
}

/** seeds per fuzz test; more with HAPB_FUZZ_ROUNDS=N */
const FUZZ_ROUNDS = Number(process.env.HAPB_FUZZ_ROUNDS ?? 300);

const SEED_TEXT = readFileSync('test/fixtures/inventory/seed/hosts.yml', 'utf8');

describe('loadInventory fuzz', () => {
  it('random YAML documents give an inventory or input errors, nothing else', () => {
    let loaded = 0;
    const problems: string[] = [];
    quietly(() => {
      for (let seed = 1; seed <= FUZZ_ROUNDS; seed++) {
        const rand = prng(seed);
        const doc = randomValue(rand, 5, []);
        let text: string;
        try {
          text = stringify(doc, { aliasDuplicateObjects: true });
        } catch {
          continue; // the generator made something yaml cannot print
        }
        const e = exercise(() => inventoryFromYaml(text, 'fuzz.yml'));
        if (e === undefined) loaded++;
        const p = problemWith(e, `random seed ${seed}`);
        if (p) problems.push(p);
      }
    });
    expect(problems).toEqual([]);
    expect(loaded).toBeGreaterThan(0); // the generator also makes valid inventories
  });

  it('byte mutations of the seed inventory give an inventory or input errors, nothing else', () => {
    let failed = 0;
    const problems: string[] = [];
    quietly(() => {
      for (let seed = 1; seed <= FUZZ_ROUNDS; seed++) {
        const rand = prng(seed);
        const text = mutate(rand, SEED_TEXT);
        const e = exercise(() => inventoryFromYaml(text, 'fuzz.yml'));
        if (e !== undefined) failed++;
        const p = problemWith(e, `mutation seed ${seed}`);
        if (p) problems.push(p);
      }
    });
    expect(problems).toEqual([]);
    expect(failed).toBeGreaterThan(0); // the mutations do break things
  });

  it('mutated INI inventories give input errors only, each with a position', () => {
    const ini = readFileSync('test/fixtures/inventory/ini/hosts.ini', 'utf8') + readFileSync('test/fixtures/inventory/ini/extra', 'utf8');
    const problems: string[] = [];
    let failed = 0;
    for (let seed = 1; seed <= FUZZ_ROUNDS / 2; seed++) {
      const rand = prng(50_000 + seed);
      const e = exercise(() => inventoryFromIni(mutate(rand, ini), 'fuzz'));
      if (e !== undefined) failed++;
      const p = problemWith(e, `INI mutation seed ${seed}`);
      if (p) problems.push(p);
    }
    expect(problems).toEqual([]);
    expect(failed).toBeGreaterThan(0);
  });

  describe('with group_vars and host_vars files', () => {
    const root = mkdtempSync(join(tmpdir(), `hapb-t-inventory-${process.pid}-`));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('mutated vars files give input errors only', () => {
      mkdirSync(join(root, 'group_vars', 'web'), { recursive: true });
      mkdirSync(join(root, 'host_vars'), { recursive: true });
      writeFileSync(join(root, 'hosts.yml'), SEED_TEXT);
      const groupVars = 'http_port: 80\nupstreams:\n  - web1\n  - web2\n';
      const hostVarsText = 'keepalived_state: MASTER\nvrrp:\n  id: 51\n';
      const problems: string[] = [];
      let failed = 0;
      quietly(() => {
        for (let seed = 1; seed <= 100; seed++) {
          const rand = prng(10_000 + seed);
          rewrite(join(root, 'group_vars', 'web', 'main.yml'), mutate(rand, groupVars));
          rewrite(join(root, 'host_vars', 'master.yml'), mutate(rand, hostVarsText));
          const e = exercise(() => loadInventory(join(root, 'hosts.yml')));
          if (e !== undefined) failed++;
          const p = problemWith(e, `files seed ${seed}`);
          if (p) problems.push(p);
        }
      });
      expect(problems).toEqual([]);
      expect(failed).toBeGreaterThan(0);
    });
  });
});
