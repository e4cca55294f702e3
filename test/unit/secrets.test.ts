import { createTwoFilesPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import type { FileDiff, TaskResult } from '../../src/engine/types.js';
import { collectSecrets, isSecretName, MASK, maskDeep, maskText } from '../../src/secrets/index.js';
import { createTemplater } from '../../src/template/index.js';

describe('isSecretName', () => {
  it.each([
    ['password', true],
    ['db_password', true],
    ['auth_pass', true],
    ['ansible_become_password', true],
    ['ansible_ssh_pass', true],
    ['ansible_become_pass', true],
    ['vrrp_secret', true],
    ['api_token', true],
    ['api_key', true],
    ['ssh_private_key', true],
    ['tls_key', true],
    ['passphrase', true],
    ['ssl_key_file', false],
    ['ssh_public_key', false],
    ['ssh_pub_key', false],
    ['password_file', false],
    ['tls_cert_path', false],
    ['key', false],
    ['monkey', false],
    ['passive_mode', false],
    ['ssl_passthrough', false],
    ['bypass_cache', false],
    ['vip', false],
    ['vrrp_priority', false],
  ])('%s -> %s', (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });
});

describe('collectSecrets', () => {
  it('finds secret-named values at any depth, every string under them, not others', () => {
    const vars = {
      vip: '10.0.0.10',
      auth_pass: 'k33p@l1ve',
      keepalived: { vrrp: { auth_pass: 'xy' }, priority: 100 },
      db: { password: 1234 },
      tokens_list: { api_token: ['tok-a', { nested: 'tok-b' }] },
      ssh_key_file: '/root/.ssh/id_ed25519',
      ssh_public_key: 'ssh-ed25519 AAAA',
      enable_password_auth: true,
      empty_password: '',
      hostvars: { other: { ansible_become_password: 'other-host-pw' } },
    };
    expect(collectSecrets(vars).sort()).toEqual(['1234', 'k33p@l1ve', 'other-host-pw', 'tok-a', 'tok-b', 'xy'].sort());
  });

  it('resolves a templated secret through the given resolver', () => {
    const t = createTemplater();
    const vars = { vault_vrrp: 's3cr3t-vrrp', auth_pass: '{{ vault_vrrp }}' };
    const secrets = collectSecrets(vars, (v) => t.templateValue(v, vars));
    expect(secrets).toContain('s3cr3t-vrrp');
  });

  it('survives cyclic vars', () => {
    const vars: Record<string, unknown> = { password: 'pw1' };
    vars.self = vars;
    expect(collectSecrets(vars)).toEqual(['pw1']);
  });
});

describe('maskText', () => {
  it.each([
    ['plain text', 'auth_pass k33p@l1ve end', ['k33p@l1ve'], `auth_pass ${MASK} end`],
    ['every occurrence', 'a=pw;b=pw', ['pw'], `a=${MASK};b=${MASK}`],
    ['longest first', 'secret-long and secret', ['secret', 'secret-long'], `${MASK} and ${MASK}`],
    ['short secret of 1-3 chars', 'x=ab y=cab', ['ab'], `x=${MASK} y=c${MASK}`],
    ['regex characters are literal', 'p=a.b*c(d)', ['a.b*c(d)'], `p=${MASK}`],
    ['no secrets leaves text alone', 'nothing here', [], 'nothing here'],
    ['a secret made of stars', 'x=* y', ['*'], `x=${MASK} y`],
  ])('%s', (_name, text, secrets, expected) => {
    expect(maskText(text, secrets)).toBe(expected);
  });
});

const SECRETS = ['k33p@l1ve', 'quo"te\\slash', 'line-one-of-key\nline-two-of-key', 'zz'];

function assertNoSecret(text: string): void {
  for (const s of SECRETS) {
    expect(text).not.toContain(s);
    for (const line of s.split('\n')) expect(text).not.toContain(line);
    expect(text).not.toContain(JSON.stringify(s).slice(1, -1));
  }
}

describe('a secret never survives', () => {
  const result: TaskResult = {
    changed: true,
    failed: false,
    skipped: false,
    unreachable: false,
    msg: 'set password to k33p@l1ve',
    stdout: 'auth_pass quo"te\\slash\nline-one-of-key\nline-two-of-key\n',
    cmd: ['keepalived', '--pass', 'zz'],
    port: 1234,
    password: 'unlisted-but-named-secret',
    results: [{ changed: false, failed: false, skipped: false, unreachable: false, item: { auth_pass: 'k33p@l1ve' } }],
  };

  it('in text', () => {
    const text = `${String(result.msg)}\n${String(result.stdout)}`;
    assertNoSecret(maskText(text, SECRETS));
  });

  it('in JSON of a masked result (escaped quotes and backslashes too)', () => {
    const masked = maskDeep(result, SECRETS);
    const json = JSON.stringify(masked);
    assertNoSecret(json);
    expect(json).not.toContain('unlisted-but-named-secret');
    expect(masked.changed).toBe(true);
    expect(result.msg).toBe('set password to k33p@l1ve');
  });

  it('in JSON text masked after serialization', () => {
    assertNoSecret(maskText(JSON.stringify(result), SECRETS));
  });

  it('in a unified diff made from a masked FileDiff', () => {
    const fileDiff: FileDiff = {
      path: '/etc/keepalived/keepalived.conf',
      before: 'auth_pass old\nkey:\n',
      after: 'auth_pass k33p@l1ve\nkey:\nline-one-of-key\nline-two-of-key\nq quo"te\\slash zz\n',
    };
    const masked = maskDeep(fileDiff, SECRETS);
    const patch = createTwoFilesPatch(masked.path, masked.path, masked.before, masked.after);
    assertNoSecret(patch);
    expect(patch).toContain(`+auth_pass ${MASK}`);
  });

  it('in a unified diff masked after it was made (multi-line secret split over lines)', () => {
    const before = 'a\n';
    const after = 'a\nline-one-of-key\nline-two-of-key\npass k33p@l1ve\n';
    assertNoSecret(maskText(createTwoFilesPatch('f', 'f', before, after), SECRETS));
  });
});
