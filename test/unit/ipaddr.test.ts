/**
 * hapb's ipaddr/ipv4/ipv6 against what real Ansible answers: every case of
 * test/fixtures/ipaddr/cases.json (written by test/fixtures/ipaddr/generate.sh,
 * which runs ansible.utils' filters through Ansible's templating).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ansibleIpaddr } from '../../src/template/ipaddr.js';
import { createTemplater } from '../../src/template/index.js';

interface Case {
  filter: 'ipaddr' | 'ipv4' | 'ipv6';
  value: string;
  query: string;
  result?: unknown;
  error?: string;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/ipaddr/cases.json', import.meta.url), 'utf8')) as { ansible_core: string; cases: Case[] };
const version = { ipaddr: undefined, ipv4: 4, ipv6: 6 } as const;

/** the fixture keeps integers beyond 2^53 as {int: 'digits'} */
const big = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
const expected = (r: unknown): unknown => (r !== null && typeof r === 'object' && 'int' in r ? BigInt((r as { int: string }).int) : r);

describe(`ipaddr answers as Ansible ${fixture.ansible_core} does`, () => {
  it('the fixture covers IPv4, IPv6, errors and None answers', () => {
    expect(fixture.cases.length).toBeGreaterThan(2000);
    expect(fixture.cases.some((c) => c.value.includes(':') && typeof c.result === 'string')).toBe(true);
    expect(fixture.cases.some((c) => c.error)).toBe(true);
    expect(fixture.cases.some((c) => c.result === null)).toBe(true);
  });

  // one test per filter and value, every query of it checked (a mismatch names the query)
  const groups = new Map<string, Case[]>();
  for (const c of fixture.cases) groups.set(`${c.value} | ${c.filter}`, [...(groups.get(`${c.value} | ${c.filter}`) ?? []), c]);
  it.each([...groups])("'%s'", (_name, cases) => {
    const wrong: string[] = [];
    for (const c of cases) {
      let got: unknown;
      let threw = false;
      try {
        got = ansibleIpaddr(c.value, c.query, version[c.filter], c.filter);
      } catch {
        threw = true;
      }
      const want = c.error !== undefined ? 'an error' : expected(c.result);
      const ok = c.error !== undefined ? threw : !threw && JSON.stringify(got, big) === JSON.stringify(want, big);
      if (!ok) wrong.push(`('${c.query}'): got ${threw ? 'an error' : JSON.stringify(got, big)}, Ansible: ${JSON.stringify(want, big)}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('the filters in templates', () => {
  const t = createTemplater();
  it.each([
    ["{{ '192.168.0.150/24' | ipaddr('address') }}", '192.168.0.150'],
    ["{{ '192.168.0.150/24' | ansible.utils.ipaddr('address') }}", '192.168.0.150'],
    ["{{ '192.168.0.150/24' | ansible.netcommon.ipaddr('network/prefix') }}", '192.168.0.0/24'],
    ["{{ '2001:db8::1/64' | ansible.utils.ipv6('address') }}", '2001:db8::1'],
    ["{{ '2001:db8::1/64' | ansible.utils.ipv4 }}", 'False'],
    // None renders as '' in Ansible's templates
    ["[{{ '192.168.1.0/31' | ansible.utils.ipaddr('broadcast') }}]", '[]'],
    ["{{ ['10.0.0.1', 'x', '::1'] | ansible.utils.ipv4 }}", "['10.0.0.1']"],
    ["{{ {'a': 1} | ansible.builtin.to_json }}", '{"a": 1}'],
    ["{{ 'hapb' | ansible.builtin.b64encode }}", 'aGFwYg=='],
    ["{{ 'x' | ansible.builtin.nosuchfilter }}", ''],
  ])('%s', (src, out) => {
    if (out === '') expect(() => t.renderString(src, {})).toThrow();
    else expect(t.renderString(src, {})).toBe(out);
  });
});
