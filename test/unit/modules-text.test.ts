import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellJoin } from '../../src/connection/command.js';
import { normalizeMode, toBool } from '../../src/modules/args.js';
import { contentDiff, isText, parseStat, sha1, MAX_DIFF_BYTES } from '../../src/modules/files.js';
import { absentLine, presentLine, pyRegex } from '../../src/modules/lineinfile.js';
import { shellSplit as shlexSplit } from '../../src/connection/command.js';
import { editSysctlText, normalizeKey, readSysctlText } from '../../src/modules/sysctl.js';

const base = { backrefs: false, firstmatch: false };

describe('lineinfile present', () => {
  it.each([
    ['appends a missing line', 'a\nb\n', { line: 'c' }, 'a\nb\nc\n'],
    ['adds the newline a file lacks', 'a\nb', { line: 'c' }, 'a\nb\nc\n'],
    ['fills an empty file', '', { line: 'c' }, 'c\n'],
    ['leaves a present line', 'a\nc\nb\n', { line: 'c' }, 'a\nc\nb\n'],
    ['replaces the last regexp match', 'x=1\ny=2\nx=3\n', { line: 'x=9', regexp: '^x=' }, 'x=1\ny=2\nx=9\n'],
    ['replaces the first match with firstmatch', 'x=1\nx=3\n', { line: 'x=9', regexp: '^x=', firstmatch: true }, 'x=9\nx=3\n'],
    ['keeps a regexp match equal to line', 'x=9\n', { line: 'x=9', regexp: '^x=' }, 'x=9\n'],
    ['inserts after the last insertafter match', 'a\n[s]\nb\n[s]\nc\n', { line: 'n', insertafter: '^\\[s\\]' }, 'a\n[s]\nb\n[s]\nn\nc\n'],
    ['insertafter without a match appends', 'a\n', { line: 'n', insertafter: '^zzz' }, 'a\nn\n'],
    ['insertbefore BOF', 'a\n', { line: 'n', insertbefore: 'BOF' }, 'n\na\n'],
    ['insertbefore a match', 'a\nb\n', { line: 'n', insertbefore: '^b' }, 'a\nn\nb\n'],
    ['insertafter EOF', 'a\n', { line: 'n', insertafter: 'EOF' }, 'a\nn\n'],
    ['regexp wins over insertafter', 'x=1\nz\n', { line: 'x=2', regexp: '^x=', insertafter: '^z' }, 'x=2\nz\n'],
    ['regexp without match uses insertafter', 'a\nz\nb\n', { line: 'x=2', regexp: '^x=', insertafter: '^z' }, 'a\nz\nx=2\nb\n'],
    ['backrefs expand groups', 'port 80\n', { line: 'listen \\1', regexp: '^port (\\d+)', backrefs: true }, 'listen 80\n'],
    ['backrefs without a match change nothing', 'a\n', { line: 'x', regexp: '^nope', backrefs: true }, 'a\n'],
  ])('%s', (_t, text, o, want) => {
    expect(presentLine(text, { ...base, ...o }).text).toBe(want);
    // a second run is a no-op
    expect(presentLine(want, { ...base, ...o }).text).toBe(want);
  });
});

describe('pyRegex', () => {
  it.each([
    ['(?i)^listen', 'LISTEN 80', true],
    ['^listen', 'LISTEN 80', false],
    ['\\Aport\\Z', 'port', true],
    ['(?P<k>\\w+)=(?P=k)', 'a=a', true],
    ['(?P<k>\\w+)=(?P=k)', 'a=b', false],
  ])('%s on %j: %s', (re, line, want) => expect(pyRegex(re).test(line)).toBe(want));
});

describe('lineinfile absent', () => {
  it.each([
    ['removes every exact line', 'a\nb\na\n', { line: 'a' }, 'b\n'],
    ['removes regexp matches', 'x=1\ny\nx=2\n', { regexp: '^x=' }, 'y\n'],
    ['leaves a file without a match', 'a\nb', { line: 'c' }, 'a\nb'],
  ])('%s', (_t, text, o, want) => {
    expect(absentLine(text, o).text).toBe(want);
  });
});

describe('sysctl file text', () => {
  it.each([
    ['adds a key', '# c\n', 'net.ipv4.ip_forward', '1', '# c\nnet.ipv4.ip_forward=1\n'],
    ['replaces a key written with slashes and spaces', 'net/ipv4/ip_forward = 0\n', 'net.ipv4.ip_forward', '1', 'net.ipv4.ip_forward=1\n'],
    ['drops duplicates of the key', 'a.b=1\nc=2\na.b = 3\n', 'a.b', '4', 'a.b=4\nc=2\n'],
    ['removes a key', 'a.b=1\nc=2\n', 'a.b', undefined, 'c=2\n'],
    ['keeps comments', '; a.b=1\n# a.b=2\n', 'a.b', '3', '; a.b=1\n# a.b=2\na.b=3\n'],
  ])('%s', (_t, text, key, value, want) => {
    const out = editSysctlText(text, key, value);
    expect(out).toBe(want);
    expect(readSysctlText(out, key)).toBe(value);
  });
  it('reads the last assignment and normalizes whitespace', () => {
    expect(readSysctlText('a.b = 1\na.b=4096\t87380  6291456\n', 'a.b')).toBe('4096 87380 6291456');
    expect(normalizeKey('net/ipv4/conf/all/rp_filter')).toBe('net.ipv4.conf.all.rp_filter');
  });
});

describe('shlexSplit', () => {
  it.each([
    ['echo hello world', ['echo', 'hello', 'world']],
    [`echo 'a b' "c d" e\\ f`, ['echo', 'a b', 'c d', 'e f']],
    [`printf '%s|' "$HOME" '*'`, ['printf', '%s|', '$HOME', '*']],
    [`echo "it's" 'say "hi"' ""`, ['echo', "it's", 'say "hi"', '']],
    [`a"b"'c' "x\\"y"`, ['abc', 'x"y']],
    ['a\tb   c', ['a', 'b', 'c']],
  ])('splits %j', (line, words) => {
    expect(shlexSplit(line)).toEqual(words);
  });
  it.each(['echo hello world', `echo 'a b' "c d" e\\ f`, `echo "it's" 'say "hi"' ""`])(
    'agrees with sh on %j',
    (line) => {
      const viaSh = execFileSync('/bin/sh', ['-c', `for w in ${line}; do printf '%s\\0' "$w"; done`])
        .toString()
        .split('\0')
        .slice(0, -1);
      expect(shlexSplit(line)).toEqual(viaSh);
    },
  );
  it('keeps operators literal after rejoining', () => {
    const out = execFileSync('/bin/sh', ['-c', shellJoin(shlexSplit('echo a; echo $HOME > x'))]).toString();
    expect(out).toBe('a; echo $HOME > x\n');
  });
  it('rejects an open quote', () => {
    expect(() => shlexSplit("echo 'a")).toThrow(/no closing quotation/);
  });
});

describe('args', () => {
  it.each([
    ['0644', '0644'],
    ['644', '0644'],
    [644, '0644'],
    ['01777', '1777'],
    ['0755', '0755'],
    [755, '0755'],
    ['2750', '2750'],
    [420, '0420'],
  ])('mode %j is %s', (m, want) => expect(normalizeMode(m)).toBe(want));
  it.each(['u+x', '0999', 999, 8, 'rw'])('mode %j is refused', (m) => expect(() => normalizeMode(m)).toThrow(/octal mode/));
  it.each([
    ['yes', true],
    ['no', false],
    ['True', true],
    [0, false],
    [undefined, true],
  ])('bool %j is %s', (v, want) => expect(toBool(v, 'x', true)).toBe(want));
  it('refuses a non boolean', () => expect(() => toBool('maybe', 'x', true)).toThrow(/must be a boolean/));
});

describe('file state', () => {
  it.each([
    ['absent\n', { exists: false }],
    ['directory|755|root|root|4096\n', { exists: true, kind: 'directory', mode: '0755', owner: 'root', group: 'root', size: 4096 }],
    ['symbolic link|777|root|root|4\n/etc\n', { exists: true, kind: 'link', target: '/etc', mode: '0777' }],
    [`regular file|600|a|b|3\n${sha1('abc')}\n${Buffer.from('abc').toString('base64')}`, { kind: 'file', sha1: sha1('abc'), content: Buffer.from('abc') }],
    [`regular empty file|644|a|b|0\n${sha1('')}\n`, { kind: 'file', content: Buffer.alloc(0) }],
  ])('parses %j', (out, want) => {
    expect(parseStat(out, '/x')).toMatchObject(want);
  });
  it('has no content for a file too large to fetch', () => {
    const st = parseStat(`regular file|644|a|b|999999\n${sha1('x')}\n`, '/x');
    expect(st).toMatchObject({ kind: 'file', size: 999999 });
    expect(st.exists && st.content).toBeUndefined();
  });

  it.each([
    ['text', Buffer.from('héllo\n'), true],
    ['NUL byte', Buffer.from([104, 0, 105]), false],
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0x41]), false],
  ])('%s is text: %s', (_t, b, want) => expect(isText(b)).toBe(want));

  it('omits binary and huge files from diffs', () => {
    const absent = { exists: false as const };
    expect(contentDiff('/a', absent, Buffer.from('new\n'))).toEqual({ path: '/a', before: '', after: 'new\n' });
    expect(contentDiff('/a', absent, Buffer.from([0, 1, 2])).omitted).toBe('binary file');
    expect(contentDiff('/a', absent, Buffer.alloc(MAX_DIFF_BYTES + 1, 'a')).omitted).toMatch(/larger than/);
    const bigOld = { exists: true as const, kind: 'file' as const, mode: '0644', owner: 'r', group: 'r', size: MAX_DIFF_BYTES + 5, sha1: 'x' };
    expect(contentDiff('/a', bigOld, Buffer.from('x')).omitted).toMatch(/larger than/);
  });
});
