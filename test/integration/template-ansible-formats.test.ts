/**
 * to_yaml / to_nice_yaml / to_nice_json / to_json, password_hash and the
 * password lookup's seeded generator against the real thing: Debian's
 * Ansible filters (PyYAML, json) and Python's crypt and random, run once per
 * file on a batch of generated values.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpYaml } from '../../src/inventory/index.js';
import { createTemplater } from '../../src/template/index.js';
import { randomPassword, candidateChars } from '../../src/template/lookups.js';
import { shaCrypt } from '../../src/template/sha-crypt.js';
import { prng } from '../helpers/prng.js';

function python(script: string, input: unknown): unknown {
  const r = spawnSync('/usr/bin/python3', ['-W', 'ignore', '-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as unknown;
}

const PIECES = ['a', 'word', 'yes', 'no', 'on', '123', '1.5', '0x1f', '~', 'null', '', ' ', 'a: b', 'x #y', '#c', '- d', '-e', ':', "it's", '"q"', 'é', 'héllo wörld', '\n', 'line\nnext', 'tab\there', '{ }', '[x]', '@at', '2024-01-02', '=', '---', 'a,b', '!bang', '%', '`', 'trailing ', ' leading', 'long '.repeat(25), 'x'.repeat(90), '\u2028', '\x07'];

function gen(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth <= 0 || r < 0.45) {
    const k = rand();
    if (k < 0.1) return Math.floor(rand() * 2000) - 1000;
    if (k < 0.15) return Math.round(rand() * 1000) / 8 + 0.5;
    if (k < 0.2) return rand() < 0.5;
    if (k < 0.23) return null;
    const n = 1 + Math.floor(rand() * 3);
    return Array.from({ length: n }, () => PIECES[Math.floor(rand() * PIECES.length)]).join(rand() < 0.5 ? ' ' : '');
  }
  const n = Math.floor(rand() * 4);
  if (r < 0.7) return Array.from({ length: n }, () => gen(rand, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[String(PIECES[Math.floor(rand() * 14)]) + String(i)] = gen(rand, depth - 1);
  return o;
}

const ANSIBLE_FILTERS = `
import json, sys
from ansible.plugins.filter.core import to_yaml, to_nice_yaml, to_nice_json, to_json
out = []
for v in json.load(sys.stdin):
    out.append([to_yaml(v), to_nice_yaml(v), to_nice_yaml(v, indent=2), to_nice_json(v), to_json(v)])
print(json.dumps(out))
`;

describe('formats as Ansible writes them', () => {
  it('to_yaml, to_nice_yaml (indent 4 and 2), to_nice_json, to_json: 300 generated values, byte for byte', () => {
    const rand = prng(1313);
    const values = Array.from({ length: 300 }, () => gen(rand, 4));
    const expected = python(ANSIBLE_FILTERS, values) as string[][];
    const t = createTemplater();
    const mismatches: string[] = [];
    values.forEach((v, i) => {
      const got = [
        t.evaluate('v | to_yaml', { v }),
        t.evaluate('v | to_nice_yaml', { v }),
        t.evaluate('v | ansible.builtin.to_nice_yaml(indent=2)', { v }),
        t.evaluate('v | to_nice_json', { v }),
        t.evaluate('v | to_json', { v }),
      ];
      got.forEach((g, j) => {
        if (g !== expected[i]?.[j]) mismatches.push(`${JSON.stringify(v)} #${j}: ${JSON.stringify(g)} != ${JSON.stringify(expected[i]?.[j])}`);
      });
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it("ansible-inventory -y's dump: 200 generated documents whose collections are shared, anchors and aliases byte for byte", () => {
    // a document is a structure whose {"$ref": i} leaves are pool[i], the same object
    // wherever it stands, so both dumpers meet it twice and anchor it
    const rand = prng(4242);
    const collection = (): unknown => {
      let v: unknown;
      do v = gen(rand, 3);
      while (v === null || typeof v !== 'object');
      return v;
    };
    const docs = Array.from({ length: 200 }, () => {
      const pool = Array.from({ length: 3 }, collection);
      const leaf = (): unknown => (rand() < 0.5 ? { $ref: Math.floor(rand() * pool.length) } : gen(rand, 1));
      const hosts: Record<string, unknown> = {};
      for (let i = 0; i < 2 + Math.floor(rand() * 4); i++) hosts[`h${i}`] = rand() < 0.3 ? [leaf(), leaf()] : leaf();
      return { pool, doc: { all: { children: ['ungrouped', 'web'] }, web: { hosts }, z: [leaf(), { inner: leaf() }] } };
    });
    const resolve = (v: unknown, pool: unknown[]): unknown => {
      if (Array.isArray(v)) return v.map((x) => resolve(x, pool));
      if (v !== null && typeof v === 'object') {
        const ref = (v as { $ref?: unknown }).$ref;
        if (typeof ref === 'number') return pool[ref];
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, pool)]));
      }
      return v;
    };
    const expected = python(
      `
import json, sys, yaml
from ansible.parsing.yaml.dumper import AnsibleDumper
def resolve(v, pool):
    if isinstance(v, list): return [resolve(x, pool) for x in v]
    if isinstance(v, dict):
        if isinstance(v.get('$ref'), int) and len(v) == 1: return pool[v['$ref']]
        return {k: resolve(x, pool) for k, x in v.items()}
    return v
print(json.dumps([yaml.dump(resolve(d['doc'], d['pool']), Dumper=AnsibleDumper, default_flow_style=False, allow_unicode=True) for d in json.load(sys.stdin)]))
`,
      docs,
    ) as string[];
    const mismatches = docs.flatMap((d, i) => {
      const got = dumpYaml(resolve(d.doc, d.pool));
      return got === expected[i] ? [] : [`${got} != ${expected[i] ?? ''}`];
    });
    expect(expected.join('')).toContain('&id001');
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it('SHA-512 and SHA-256 crypt: the specification vectors and Python crypt on generated passwords, salts and rounds', () => {
    // the vectors of Drepper's specification
    expect(shaCrypt('sha512', 'Hello world!', 'saltstring')).toBe('$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1');
    expect(shaCrypt('sha512', 'Hello world!', 'saltstringsaltstring', 10000)).toBe('$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.');
    expect(shaCrypt('sha256', 'Hello world!', 'saltstring')).toBe('$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5');
    const rand = prng(6);
    const cases = Array.from({ length: 40 }, (_, i) => {
      const pw = Array.from({ length: Math.floor(rand() * 40) }, () => String.fromCharCode(32 + Math.floor(rand() * 95))).join('') + (i % 5 === 0 ? 'é' : '');
      const salt = randomPassword(1 + Math.floor(rand() * 16), candidateChars(['ascii_letters', 'digits', './']));
      const rounds = i % 3 === 0 ? 1000 + Math.floor(rand() * 3000) : undefined;
      return { pw, salt, rounds, algo: i % 4 === 0 ? 'sha256' : 'sha512' };
    });
    const expected = python(`
import crypt, json, sys
print(json.dumps([crypt.crypt(c['pw'], '$%s$%s%s' % ('5' if c['algo'] == 'sha256' else '6', 'rounds=%d$' % c['rounds'] if c.get('rounds') else '', c['salt'])) for c in json.load(sys.stdin)]))
`, cases) as string[];
    expect(cases.map((c) => shaCrypt(c.algo as 'sha256' | 'sha512', c.pw, c.salt, c.rounds))).toEqual(expected);
    // and through the filter, against Ansible's own filter (with passlib, as Debian installs it)
    const t = createTemplater();
    const calls: [string, unknown[]][] = [
      ['sha512', ['mysalt']],
      ['sha512', ['mysalt', null, 5000]],
      ['sha256', ['abcdefgh', null, 12000]],
      ];
    const viaAnsible = python(`
import json, sys
from ansible.plugins.filter.core import get_encrypted_password
print(json.dumps([get_encrypted_password('secret', h, *a) for h, a in json.load(sys.stdin)]))
`, calls);
    expect(calls.map(([h, a]) => t.evaluate(`'secret' | ansible.builtin.password_hash(h, *a)`.replace('*a', a.map((x) => JSON.stringify(x)).join(', ')).replace('null', 'None'), { h }))).toEqual(viaAnsible);
    expect(String(t.evaluate("'secret' | password_hash", {}))).toMatch(/^\$6\$rounds=656000\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
  }, 120_000);

  it("the password lookup's seed gives Python's random.Random(seed) choices", () => {
    const seeds = ['h1', 'web1.example.com', '', 'ü-seed', 'x'.repeat(300)];
    const expected = python(`
import json, random, string, sys
chars = string.ascii_letters + string.digits + '.,:-_'
def draw(s):
    r = random.Random(s)
    return ''.join(r.choice(chars) for _ in range(30))
print(json.dumps([draw(s) for s in json.load(sys.stdin)]))
`, seeds);
    expect(seeds.map((s) => randomPassword(30, candidateChars(['ascii_letters', 'digits', '.,:-_']), s))).toEqual(expected);
  });

  it('the password lookup with encrypt=: the salt is stored beside the password, the hash is crypt() of both, and stays the same', () => {
    const t = createTemplater({ sideEffects: true }); // as `hapb run`: the lookup writes its file
    const play = mkdtempSync(join(tmpdir(), 'hapb-lookup-encrypt-'));
    const vars = { playbook_dir: play, inventory_hostname: 'h1' };
    const plain = t.evaluate("lookup('password', 'creds/h1 length=24 chars=digits')", vars) as string;
    const hashed = t.evaluate("lookup('password', 'creds/h1', encrypt='sha512_crypt')", vars) as string;
    const stored = /^(\d{24}) salt=([./0-9A-Za-z]{16})\n$/.exec(readFileSync(join(play, 'creds', 'h1'), 'utf8'));
    expect(stored?.[1]).toBe(plain);
    const viaPython = python(`
import crypt, json, sys
p, s = json.load(sys.stdin)
print(json.dumps(crypt.crypt(p, '$6$rounds=656000$' + s)))
`, [plain, stored?.[2]]);
    expect(hashed).toBe(viaPython);
    expect(t.evaluate("lookup('password', 'creds/h1', encrypt='sha512_crypt')", vars)).toBe(hashed);
  }, 120_000);
});
