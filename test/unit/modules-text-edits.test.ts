/** The text edits of blockinfile, replace, assemble and authorized_key, and get_url's checksum file, as tables (Ansible's results). */
import { describe, expect, it } from 'vitest';
import { assembleFragments } from '../../src/modules/assemble.js';
import { editKeys } from '../../src/modules/authorized-key.js';
import { editBlock } from '../../src/modules/blockinfile.js';
import { parseDebconfShow } from '../../src/modules/debconf.js';
import { pickChecksum, urlFilename } from '../../src/modules/get-url.js';
import { replaceText } from '../../src/modules/replace.js';
import { parseStatOutput } from '../../src/modules/stat.js';
import { archiveKind } from '../../src/modules/unarchive.js';

const M = { marker: '# {mark} X', begin: 'BEGIN', end: 'END' };

describe('blockinfile', () => {
  it.each([
    ['new file', null, { present: true, block: 'a' }, '# BEGIN X\na\n# END X\n', 'File created'],
    ['appended at EOF, a newline added first', 'x', { present: true, block: 'a' }, 'x\n# BEGIN X\na\n# END X\n', 'Block inserted'],
    ['replaced in place', 'x\n# BEGIN X\nold\n# END X\ny\n', { present: true, block: 'a\nb\n' }, 'x\n# BEGIN X\na\nb\n# END X\ny\n', 'Block inserted'],
    ['unchanged', 'x\n# BEGIN X\na\n# END X\n', { present: true, block: 'a' }, 'x\n# BEGIN X\na\n# END X\n', ''],
    ['removed', 'x\n# BEGIN X\na\n# END X\ny\n', { present: false, block: '' }, 'x\ny\n', 'Block removed'],
    ['an empty block removes', 'x\n# BEGIN X\na\n# END X\n', { present: true, block: '' }, 'x\n', 'Block removed'],
    ['after the last match', 'a\nk=1\nb\nk=2\nc\n', { present: true, block: 'n', insertafter: '^k=' }, 'a\nk=1\nb\nk=2\n# BEGIN X\nn\n# END X\nc\n', 'Block inserted'],
    ['before the last match', 'a\nk=1\nb\n', { present: true, block: 'n', insertbefore: '^k=' }, 'a\n# BEGIN X\nn\n# END X\nk=1\nb\n', 'Block inserted'],
    ['BOF', 'a\n', { present: true, block: 'n', insertbefore: 'BOF' }, '# BEGIN X\nn\n# END X\na\n', 'Block inserted'],
    ['no match: EOF', 'a\n', { present: true, block: 'n', insertafter: 'zzz' }, 'a\n# BEGIN X\nn\n# END X\n', 'Block inserted'],
  ] as const)('%s', (_n, before, o, text, msg) => {
    expect(editBlock(before, { ...M, ...o })).toEqual({ text, msg });
  });
});

describe('replace', () => {
  it.each([
    ['groups and \\n', 'a=1\nb=2\n', { regexp: '^(\\w)=(\\d)$', replace: '\\2:\\g<1>' }, '1:a\n2:b\n', 2],
    ['named groups', 'port 80\n', { regexp: 'port (?P<p>\\d+)', replace: 'listen \\g<p>' }, 'listen 80\n', 1],
    ['no match', 'x\n', { regexp: 'y', replace: 'z' }, 'x\n', 0],
    ['same text is no change', 'x\n', { regexp: 'x', replace: 'x' }, 'x\n', 0],
    ['between after and before', 'a\n[s]\na\n[e]\na\n', { regexp: 'a', replace: 'b', after: '\\[s\\]', before: '\\[e\\]' }, 'a\n[s]\nb\n[e]\na\n', 1],
    ['escape in the template', 'a b\n', { regexp: ' ', replace: '\\n' }, 'a\nb\n', 1],
  ] as const)('%s', (_n, text, o, out, count) => {
    expect(replaceText(text, o)).toMatchObject({ text: out, count });
  });
  it('a missing section is reported with the pattern', () => {
    expect(replaceText('x', { regexp: 'x', replace: 'y', after: 'zz' })).toMatchObject({ count: 0, sectionMissing: 'zz(?P<subsection>.*)' });
  });
});

describe('assemble', () => {
  const f = (n: string, c: string): [string, Buffer] => [n, Buffer.from(c)];
  it.each([
    ['sorted, newline between a fragment without one and the next', [f('b', 'B'), f('a', 'A\n')], {}, 'A\nB'],
    ['delimiter between, newline after it', [f('1', 'x\n'), f('2', 'y\n')], { delimiter: '##' }, 'x\n##\ny\n'],
    ['escaped delimiter', [f('1', 'x'), f('2', 'y')], { delimiter: '--\\n' }, 'x\n--\ny'],
    ['regexp and hidden files', [f('.h', 'h'), f('a.conf', 'a\n'), f('b.txt', 'b\n')], { regexp: 'conf$' }, 'a\n'],
  ] as const)('%s', (_n, frags, o, out) => {
    expect(assembleFragments([...frags], { ignoreHidden: true, ...o }).toString()).toBe(out);
  });
});

describe('authorized_key', () => {
  const k = 'ssh-ed25519 AAAAkey';
  it.each([
    ['added with a space for the missing comment', '', k, { state: 'present' }, `${k} \n`],
    ['kept', `${k} c\n`, `${k} c`, { state: 'present' }, undefined],
    ['comment replaced', `${k} c\n`, `${k} d`, { state: 'present' }, `${k} d\n`],
    ['options', `# hi\n${k} c\n`, `${k} c`, { state: 'present', keyOptions: 'no-pty,command="x y"' }, `# hi\nno-pty,command="x y" ${k} c\n`],
    ['removed', `a\n${k} c\n`, k, { state: 'absent' }, 'a\n'],
    ['exclusive', `ssh-rsa BBB o\n${k} c\n`, `${k} c`, { state: 'present', exclusive: true }, `${k} c\n`],
  ] as const)('%s', (_n, before, key, o, after) => {
    expect(editKeys(before, key, { exclusive: false, ...o }).content).toBe(after);
  });
});

describe('small parsers', () => {
  it('get_url checksum files and URL names', () => {
    expect(pickChecksum('abc  ./f.tgz\ndef *g.tgz\n', 'g.tgz')).toBe('def');
    expect(pickChecksum('abc\n', 'x')).toBe('abc');
    expect(pickChecksum('abc  other\n', 'x')).toBeUndefined();
    expect(urlFilename('http://127.0.0.1/a/b.tgz?x=1')).toBe('b.tgz');
  });
  it('debconf-show lines', () => {
    expect(parseDebconfShow('* a/b: yes\n  c/d: x: y\n')).toEqual({ 'a/b': 'yes', 'c/d': 'x: y' });
  });
  it('archive kinds by magic', () => {
    expect(archiveKind(Buffer.from('PK\x03\x04rest', 'latin1'))).toBe('zip');
    expect(archiveKind(Buffer.from([0x1f, 0x8b, 8]))).toBe('tar');
    expect(archiveKind(Buffer.from('plain text'))).toBeUndefined();
  });
  it('stat output to Ansible\'s dictionary', () => {
    const out = 'rawmode=81a4\nmode=644\nuid=0\ngid=0\nsize=5\ninode=7\ndev=2049\nnlink=1\natime=1.5\nmtime=2.5\nctime=3.5\nblocks=8\nblock_size=4096\nmajor=0\nminor=0\npw_name=root\ngr_name=root\nreadable=1\nchecksum=abc\nmime=/x: text/plain; charset=us-ascii\nlsattr=   123 --------------e------- /x\n';
    expect(parseStatOutput(out, '/x', { mime: true, attributes: true })).toMatchObject({
      exists: true, path: '/x', mode: '0644', isreg: true, isdir: false, islnk: false, rusr: true, wusr: true, xusr: false, roth: true, woth: false,
      size: 5, mtime: 2.5, pw_name: 'root', readable: true, writeable: false, checksum: 'abc', mimetype: 'text/plain', charset: 'us-ascii',
      version: '123', attr_flags: 'e', attributes: ['extents'],
    });
    expect(parseStatOutput('exists=no\n', '/x', { mime: true, attributes: true })).toEqual({ exists: false });
  });
});
