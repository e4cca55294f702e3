import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTemplater, TemplateError } from '../../src/template/index.js';
import { candidateChars, randomPassword } from '../../src/template/lookups.js';

// as `hapb run`'s templater: lookups may run commands and write files
const t = createTemplater({ sideEffects: true });
let play: string;
let role: string;
const vars = (): Record<string, unknown> => ({ playbook_dir: play, role_path: role, inventory_hostname: 'h1', port: 80, lazy: 'p{{ port }}' });

beforeAll(() => {
  play = mkdtempSync(join(tmpdir(), 'hapb-lookups-'));
  role = join(play, 'roles', 'r');
  for (const d of [join(play, 'files'), join(play, 'templates'), join(role, 'files')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(play, 'files', 'a.txt'), '  from the play \n\n');
  writeFileSync(join(role, 'files', 'a.txt'), 'from the role\n');
  writeFileSync(join(play, 'files', 'b.txt'), 'b\n');
  writeFileSync(join(play, 'templates', 't.j2'), 'port={{ port }} x={{ x | default("-") }}\n');
});

describe('lookups', () => {
  it('file: the role first, then the playbook; rstrip by default, lstrip on request; several terms joined', () => {
    expect(t.evaluate("lookup('file', 'a.txt')", vars())).toBe('from the role');
    expect(t.evaluate("lookup('file', 'a.txt', 'b.txt')", { ...vars(), role_path: undefined })).toBe('  from the play,b');
    expect(t.evaluate("lookup('file', 'a.txt', lstrip=True)", { ...vars(), role_path: undefined })).toBe('from the play');
    expect(t.evaluate("query('ansible.builtin.file', 'b.txt')", vars())).toEqual(['b']);
    expect(t.evaluate("lookup('file', 'b.txt', wantlist=True)", vars())).toEqual(['b']);
  });

  it('a failure is an error naming the lookup, or nothing with errors=ignore, a warning with errors=warn', () => {
    expect(() => t.evaluate("lookup('file', 'nope.txt')", vars())).toThrow(TemplateError);
    expect(() => t.evaluate("lookup('file', 'nope.txt')", vars())).toThrow("lookup('file'): could not locate file in lookup: nope.txt");
    expect(t.evaluate("lookup('file', 'nope.txt', errors='ignore')", vars())).toBeNull();
    expect(t.evaluate("query('file', 'nope.txt', errors='warn')", vars())).toEqual([]);
    expect(() => t.evaluate("lookup('nosuch', 'x')", vars())).toThrow('lookup plugin (nosuch) not found');
  });

  it('template renders with the variables in scope and template_vars', () => {
    expect(t.evaluate("lookup('template', 't.j2')", vars())).toBe('port=80 x=-\n');
    expect(t.evaluate("lookup('template', 't.j2', template_vars={'x': 1})", vars())).toBe('port=80 x=1\n');
  });

  it('env, pipe, vars', () => {
    process.env.HAPB_LOOKUP_TEST = 'val';
    expect(t.evaluate("lookup('env', 'HAPB_LOOKUP_TEST') ~ '|' ~ lookup('env', 'HAPB_LOOKUP_UNSET') ~ '|' ~ lookup('env', 'HAPB_LOOKUP_UNSET', default='d')", vars())).toBe('val||d');
    expect(t.evaluate("lookup('pipe', 'pwd; echo x >&2')", vars())).toBe(play);
    expect(() => t.evaluate("lookup('pipe', 'exit 3')", vars())).toThrow('returned 3');
    expect(t.evaluate("lookup('vars', 'lazy')", vars())).toBe('p80');
    expect(t.evaluate("lookup('vars', 'nope', default=0)", vars())).toBe(0);
    expect(() => t.evaluate("lookup('vars', 'nope')", vars())).toThrow('No variable found with this name: nope');
  });

  it('first_found: lists, mappings with files/paths, skip', () => {
    expect(t.evaluate("lookup('first_found', ['nope', 'b.txt'])", vars())).toBe(join(play, 'files', 'b.txt'));
    expect(t.evaluate("lookup('first_found', {'files': ['x.txt', 'a.txt'], 'paths': [playbook_dir ~ '/files']})", vars())).toBe(join(play, 'files', 'a.txt'));
    expect(t.evaluate("lookup('first_found', {'files': ['nope'], 'skip': True})", vars())).toEqual([]);
    expect(() => t.evaluate("lookup('first_found', 'nope')", vars())).toThrow('No file was found when using first_found.');
  });

  it('password: generated once, stored (0600, folder 0700), read back', () => {
    const first = t.evaluate("lookup('password', 'creds/' ~ inventory_hostname ~ ' length=24 chars=digits')", vars()) as string;
    expect(first).toMatch(/^\d{24}$/);
    const file = join(play, 'creds', 'h1');
    expect(readFileSync(file, 'utf8')).toBe(`${first}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(play, 'creds')).mode & 0o777).toBe(0o700);
    expect(t.evaluate("lookup('password', 'creds/h1')", vars())).toBe(first);
    // encrypt= (656,000 rounds of SHA-512, seconds of CPU) is tested in test/integration/template-ansible-formats.test.ts
  });

  it('password: /dev/null stores nothing; seed= is reproducible; bad parameters are named', () => {
    const a = t.evaluate("lookup('password', '/dev/null', seed='s')", vars());
    expect(t.evaluate("lookup('password', '/dev/null seed=s')", vars())).toBe(a);
    expect(String(a)).toHaveLength(20);
    expect(t.evaluate("lookup('password', '/dev/null')", vars())).not.toBe(t.evaluate("lookup('password', '/dev/null')", vars()));
    expect(() => t.evaluate("lookup('password', '/dev/null lenght=3')", vars())).toThrow('Unrecognized parameter(s) given to password lookup: lenght');
  });

  it("chars: Python's string module names, literal characters, ',,' for a comma, quotes dropped", () => {
    expect(candidateChars(['digits', '?|'])).toBe('0123456789?|');
    expect(candidateChars('ascii_lowercase,,')).toBe(',abcdefghijklmnopqrstuvwxyz');
    expect(candidateChars(['"\'x'])).toBe('x');
    expect(randomPassword(50, 'ab')).toMatch(/^[ab]{50}$/);
  });
});

describe('lookups where nothing may change (preflight, render, checks)', () => {
  const quiet = createTemplater();
  it('pipe and a password lookup that would create its file are run-time only, named lookup(NAME)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hapb-lookup-ro-'));
    for (const expr of [`lookup('pipe', 'touch ${dir}/ran')`, `lookup('password', '${dir}/pw length=8')`]) {
      let err: unknown;
      try {
        quiet.templateValue(`{{ ${expr} }}`, {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TemplateError);
      expect((err as TemplateError).undefinedName).toMatch(/^lookup\((pipe|password)\)$/);
    }
    expect(readdirSync(dir)).toEqual([]);
  });
  it('a password file that exists is read, with no side effect', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hapb-lookup-ro-'));
    writeFileSync(join(dir, 'pw'), 'stored\n');
    expect(quiet.templateValue(`{{ lookup('password', '${dir}/pw') }}`, {})).toBe('stored');
  });
});
