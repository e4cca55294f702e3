/**
 * known_hosts parsing and matching, checked against OpenSSH's own ssh-keygen:
 * fixtures are made with `ssh-keygen -H` (hashing) and every lookup is
 * compared with `ssh-keygen -F`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  formatKnownHostLine,
  hostFieldMatches,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
  readKnownHosts,
} from '../../src/connection/known-hosts.js';
import { hasCommand } from '../helpers/env.js';

const haveKeygen = hasCommand('ssh-keygen');

interface Key {
  pub: string;
  blob: Buffer;
  fingerprint: string;
}

function makeKey(dir: string, name: string, type = 'ed25519'): Key {
  const path = join(dir, name);
  // RSA at the smallest size ssh-keygen makes: the type and the blob are what is tested, and 3072 bits take up to a second
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '1024'] : []), '-N', '', '-C', name, '-f', path]);
  const pub = readFileSync(`${path}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const b64 = pub.split(' ')[1] ?? '';
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';
  return { pub, blob: Buffer.from(b64, 'base64'), fingerprint: fp };
}

/** the plain (not @revoked / @cert-authority) lines `ssh-keygen -F name` finds */
function keygenFind(file: string, name: string): number[] {
  const r = spawnSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
  return [...r.stdout.matchAll(/found: line (\d+) *(\S*)$/gm)].filter((m) => m[2] === '').map((m) => Number(m[1]));
}

describe.skipIf(!haveKeygen)('known_hosts', () => {
  let dir = '';
  let a: Key, b: Key, c: Key, revoked: Key, rsa: Key;
  let plainFile = '';
  let hashedFile = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `hapb-t-ssh-kh-${process.pid}-`));
    a = makeKey(dir, 'a');
    b = makeKey(dir, 'b');
    c = makeKey(dir, 'c');
    revoked = makeKey(dir, 'revoked');
    rsa = makeKey(dir, 'rsa', 'rsa');
    const text = [
      '# comment line',
      `web1 ${a.pub}`,
      `[web2]:2222,10.0.0.2 ${b.pub}`,
      `web3 ${c.pub}`,
      `web3 ${rsa.pub}`,
      '',
      `*.lab.test,!evil.lab.test ${c.pub}`,
      `@revoked * ${revoked.pub}`,
      `@cert-authority *.ca.test ${a.pub}`,
    ].join('\n');
    // lines OpenSSH skips (ssh-keygen -H refuses them, so they are added after hashing)
    const junk = ['garbage-without-key', `@unknown-marker web1 ${b.pub}`].join('\n');
    plainFile = join(dir, 'plain');
    hashedFile = join(dir, 'hashed');
    writeFileSync(plainFile, text + '\n');
    writeFileSync(hashedFile, text + '\n');
    execFileSync('ssh-keygen', ['-H', '-f', hashedFile], { stdio: 'ignore' });
    for (const f of [plainFile, hashedFile]) writeFileSync(f, readFileSync(f, 'utf8') + junk + '\n');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hashing by ssh-keygen leaves the same lines, hashed where it can', () => {
    const plain = parseKnownHosts(readFileSync(plainFile, 'utf8'));
    const hashed = parseKnownHosts(readFileSync(hashedFile, 'utf8'));
    expect(hashed.filter((e) => e.hashed).length).toBeGreaterThanOrEqual(4);
    expect(plain.filter((e) => e.hashed)).toHaveLength(0);
    expect(plain.map((e) => e.marker)).toContain('revoked');
    expect(plain.map((e) => e.marker)).toContain('cert-authority');
    // the malformed and the unknown-marker lines are skipped
    expect(plain.some((e) => e.hosts === 'garbage-without-key')).toBe(false);
    expect(plain.filter((e) => e.keyBase64 === b.blob.toString('base64') && e.hosts === 'web1')).toHaveLength(0);
  });

  describe.each([
    ['plain', () => plainFile],
    ['hashed', () => hashedFile],
  ])('%s file', (_kind, file) => {
    it.each([
      ['web1', 22, 'a', 'match'],
      ['WEB1', 22, 'a', 'match'],
      ['web1', 22, 'b', 'changed'],
      ['web1', 2222, 'a', 'unknown'],
      ['web2', 2222, 'b', 'match'],
      ['web2', 22, 'b', 'unknown'],
      ['10.0.0.2', 22, 'b', 'match'],
      ['web3', 22, 'rsa', 'match'],
      ['web3', 22, 'c', 'match'],
      ['web3', 22, 'a', 'changed'],
      ['x.lab.test', 22, 'c', 'match'],
      ['evil.lab.test', 22, 'c', 'unknown'],
      ['host.ca.test', 22, 'a', 'unknown'],
      ['web1', 22, 'revoked', 'revoked'],
      ['nowhere', 22, 'a', 'unknown'],
    ])('%s port %i with key %s: %s', (host, port, keyName, want) => {
      const keys: Record<string, Key> = { a, b, c, rsa, revoked };
      const key = keys[keyName];
      if (!key) throw new Error(`no key ${keyName}`);
      const entries = parseKnownHosts(readFileSync(file(), 'utf8'));
      const name = knownHostsName(host, port);
      const got = checkHostKey(entries, [name], key.blob);
      expect(got.status).toBe(want);
      // the lines that name this host are the ones OpenSSH finds
      const ours = entries.filter((e) => e.marker === undefined && hostFieldMatches(e, name)).map((e) => e.line);
      expect(ours).toEqual(keygenFind(file(), name.toLowerCase()));
      if (got.status === 'match') expect(ours).toContain(got.line);
    });
  });

  it('lists the key types known for a host in file order', () => {
    const entries = parseKnownHosts(readFileSync(hashedFile, 'utf8'));
    expect(knownKeyTypes(entries, ['web3'])).toEqual(['ssh-ed25519', 'ssh-rsa']);
    expect(knownKeyTypes(entries, ['nowhere'])).toEqual([]);
  });

  it('prints the fingerprint exactly as ssh-keygen -l does', () => {
    for (const k of [a, b, rsa]) expect(fingerprintSha256(k.blob)).toBe(k.fingerprint);
  });

  it('appends hashed to a hashed file, and ssh-keygen finds the new line', async () => {
    const file = join(dir, 'append-hashed');
    writeFileSync(file, readFileSync(hashedFile));
    const line = await appendKnownHost(file, knownHostsName('new.host', 2200), b.blob);
    expect(line.startsWith('|1|')).toBe(true);
    const { entries } = await readKnownHosts(file);
    expect(checkHostKey(entries, ['[new.host]:2200'], b.blob).status).toBe('match');
    const last = entries.at(-1);
    expect(last?.hashed).toBe(true);
    expect(keygenFind(file, '[new.host]:2200')).toEqual([last?.line]);
  });

  it('appends plain to a plain file and creates a missing file', async () => {
    const file = join(dir, 'sub', 'known_hosts');
    await appendKnownHost(file, 'fresh', a.blob);
    await appendKnownHost(file, knownHostsName('fresh', 2022), b.blob);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(`fresh ${a.pub}\n[fresh]:2022 ${b.pub}\n`);
    expect(keygenFind(file, 'fresh')).toEqual([1]);
  });

  it('formats unhashed lines as OpenSSH does', () => {
    expect(formatKnownHostLine('[h]:2', a.blob, false)).toBe(`[h]:2 ${a.pub}`);
  });
});
