import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SchemaError } from '../../src/errors/index.js';
import { collectSecrets } from '../../src/secrets/index.js';
import { decryptVaultText, encryptVaultText, formatEnvelope, Keyring, learnVaultValue, loadVaultSecrets, parseEnvelope, readPasswordSource, resetRunVault, runKeyring, setRunKeyring, vaultValues, VaultError, type VaultSecret } from '../../src/vault/index.js';
import { loadYaml, loadYamlFile } from '../../src/yaml/load.js';

const fixtures = resolve(import.meta.dirname, '..', 'fixtures', 'vault');
const secret = (password: string, id = 'default'): VaultSecret => ({ id, password: Buffer.from(password), source: 'test' });
const noPrompt = async (): Promise<string> => {
  throw new Error('no prompt expected');
};

afterEach(() => setRunKeyring(new Keyring()));

describe('the run vault', () => {
  it('resetRunVault forgets the secrets and the values they decrypted (a new run in the same process)', () => {
    setRunKeyring(new Keyring([secret('pw')]));
    learnVaultValue('decrypted-before-reset');
    expect(vaultValues()).toContain('decrypted-before-reset');
    expect(runKeyring().empty).toBe(false);
    resetRunVault();
    expect(vaultValues()).toEqual([]);
    expect(runKeyring().empty).toBe(true);
  });
});

describe('vault cipher', () => {
  it('decrypts what it encrypts, with a fresh salt each time', () => {
    const pw = Buffer.from('pw');
    const a = encryptVaultText(Buffer.from('hello world'), pw);
    const b = encryptVaultText(Buffer.from('hello world'), pw);
    expect(a).not.toBe(b);
    expect(decryptVaultText(a, pw)?.toString()).toBe('hello world');
    expect(decryptVaultText(a, Buffer.from('other'))).toBeUndefined();
  });

  it.each([0, 1, 15, 16, 17, 1000])('pads a %i-byte plaintext to whole blocks and strips it again', (n) => {
    const plain = Buffer.alloc(n, 0x61);
    const text = encryptVaultText(plain, Buffer.from('k'));
    const ciphertextHex = Buffer.from(text, 'hex').toString('ascii').split('\n')[2] ?? '';
    expect(ciphertextHex.length / 2).toBe((Math.floor(n / 16) + 1) * 16);
    expect(decryptVaultText(text, Buffer.from('k'))?.equals(plain)).toBe(true);
  });

  it('opens a file and a labelled inline value made by ansible-vault (known vectors)', () => {
    const ring = new Keyring([secret('vault-test-pw')]);
    const file = readFileSync(join(fixtures, 'ansible-encrypted.yml'), 'utf8');
    expect(ring.decrypt(file).plaintext.toString()).toBe(readFileSync(join(fixtures, 'plain.yml'), 'utf8'));
    const inline = readFileSync(join(fixtures, 'inline-labelled.yml'), 'utf8');
    const body = inline.split('\n').slice(1).map((l) => l.trim()).join('\n');
    expect(parseEnvelope(body).vaultId).toBe('lab');
    expect(ring.decrypt(body).plaintext.toString()).toBe('inline-from-ansible');
  });
});

describe('vault envelope', () => {
  it('writes 1.1 without a label, 1.2 with one, 80 columns and a final newline', () => {
    const text = new Keyring([secret('x')]).encrypt('a'.repeat(200));
    const lines = text.split('\n');
    expect(lines[0]).toBe('$ANSIBLE_VAULT;1.1;AES256');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(1, -2).every((l) => l.length === 80)).toBe(true);
    expect(formatEnvelope('ab', 'dev').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;dev');
    expect(formatEnvelope('ab', 'default').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.1;AES256');
  });

  it('refuses to encrypt twice and names what it cannot decrypt, never its content', () => {
    const ring = new Keyring([secret('x')]);
    const once = ring.encrypt('plain');
    expect(() => ring.encrypt(once)).toThrow('input is already encrypted');
    expect(() => new Keyring([secret('y')]).decrypt(once, 'f.yml')).toThrow(/^Decryption failed \(no vault secrets were found that could decrypt\) on f\.yml$/);
    expect(() => new Keyring().decrypt(once, 'f.yml')).toThrow(VaultError);
    expect(() => ring.decrypt('plain text', 'g.yml')).toThrow('g.yml is not a vault encrypted file');
  });
});

describe('keyring', () => {
  it('tries the secret of the label first, then every other one', () => {
    const dev = secret('dev-pw', 'dev');
    const prod = secret('prod-pw', 'prod');
    const ring = new Keyring([dev, prod]);
    expect(ring.decrypt(new Keyring([prod]).encrypt('p')).id).toBe('prod');
    // a label that names no known secret: the others are tried (Ansible does the same)
    const relabelled = new Keyring([secret('dev-pw', 'other')]).encrypt('q');
    expect(ring.decrypt(relabelled)).toMatchObject({ id: 'dev' });
  });

  it('encrypts with the only secret, or asks which one', () => {
    expect(() => new Keyring([secret('a', 'a'), secret('b', 'b')]).encryptSecret()).toThrow('--encrypt-vault-id');
    expect(new Keyring([secret('a', 'a'), secret('b', 'b')]).encryptSecret('b').id).toBe('b');
    expect(() => new Keyring([secret('a', 'a')]).encryptSecret('c')).toThrow('Did not find a match for --encrypt-vault-id=c');
  });
});

describe('password sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hapb-vault-unit-'));

  it('reads a file (trimmed), runs an executable, passes --vault-id to a *-client script', async () => {
    writeFileSync(join(dir, 'pw'), '  file-pw \n\n');
    expect(readPasswordSource(join(dir, 'pw'), 'default').toString()).toBe('file-pw');
    writeFileSync(join(dir, 'script'), '#!/bin/sh\necho script-pw\n');
    chmodSync(join(dir, 'script'), 0o755);
    expect(readPasswordSource(join(dir, 'script'), 'default').toString()).toBe('script-pw');
    writeFileSync(join(dir, 'pass-client.sh'), '#!/bin/sh\n[ "$1" = --vault-id ] && echo "pw-for-$2"\n');
    chmodSync(join(dir, 'pass-client.sh'), 0o755);
    const secrets = await loadVaultSecrets({ vaultIds: [`prod@${join(dir, 'pass-client.sh')}`], prompt: noPrompt });
    expect(secrets.map((s) => [s.id, s.password.toString()])).toEqual([['prod', 'pw-for-prod']]);
    writeFileSync(join(dir, 'empty'), '\n');
    expect(() => readPasswordSource(join(dir, 'empty'), 'default')).toThrow('Invalid vault password was provided from file');
    expect(() => readPasswordSource(join(dir, 'missing'), 'default')).toThrow('was not found');
  });

  it('orders --vault-id, then password files, then the prompt; asks twice for a new password', async () => {
    writeFileSync(join(dir, 'a'), 'A');
    const asked: string[] = [];
    const prompt = async (p: string): Promise<string> => {
      asked.push(p);
      return 'typed';
    };
    const secrets = await loadVaultSecrets({ vaultIds: ['lab@prompt'], passwordFiles: [join(dir, 'a')], ask: true, prompt });
    expect(secrets.map((s) => `${s.id}:${s.password.toString()}`)).toEqual(['lab:typed', 'default:A', 'default:typed']);
    expect(asked).toEqual(['Vault password (lab): ', 'Vault password: ']);
    asked.length = 0;
    await loadVaultSecrets({ ask: true, create: true, prompt });
    expect(asked).toEqual(['New Vault password: ', 'Confirm New Vault password: ']);
    let n = 0;
    await expect(loadVaultSecrets({ ask: true, create: true, prompt: async () => String(n++) })).rejects.toThrow('Passwords do not match');
    expect(await loadVaultSecrets({ prompt: noPrompt })).toEqual([]);
  });
});

describe('YAML with vault', () => {
  const ring = new Keyring([secret('vault-test-pw', 'default'), secret('vault-test-pw', 'lab')]);

  it('decrypts inline !vault values and whole vault files, and learns them as secrets', () => {
    setRunKeyring(ring);
    const inline = loadYamlFile<Record<string, unknown>>(join(fixtures, 'inline-labelled.yml'));
    expect(inline.value).toEqual({ api_token: 'inline-from-ansible' });
    const file = loadYamlFile<Record<string, unknown>>(join(fixtures, 'ansible-encrypted.yml'));
    expect(file.value).toEqual({ db_password: 's3cr3t-from-ansible', port: 5432 });
    expect(file.pos('/port')).toMatchObject({ line: 2 });
    // masked whatever its name
    expect(collectSecrets({ unrelated: 1 })).toEqual(expect.arrayContaining(['inline-from-ansible', 's3cr3t-from-ansible']));
  });

  it('without a password: an input error at the variable, never its ciphertext', () => {
    const text = `a: 1\nsecret_thing: ${readFileSync(join(fixtures, 'inline-labelled.yml'), 'utf8').split(': ')[1] ?? ''}`;
    let err: unknown;
    try {
      loadYaml(text, 'vars.yml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SchemaError);
    const e = err as SchemaError;
    expect(e.exitCode).toBe(4);
    expect(e.pos).toMatchObject({ file: 'vars.yml', line: 2 });
    expect(e.message).toContain("'secret_thing' is vault-encrypted");
    expect(e.format()).not.toMatch(/ANSIBLE_VAULT|[0-9a-f]{40}/);
    expect(() => loadYamlFile(join(fixtures, 'ansible-encrypted.yml'))).toThrow(/ansible-encrypted\.yml:1:1: a vault-encrypted file: no vault password was given/);
  });

  it('with the wrong password: says so at the variable', () => {
    setRunKeyring(new Keyring([secret('wrong')]));
    expect(() => loadYamlFile(join(fixtures, 'inline-labelled.yml'))).toThrow(/inline-labelled\.yml:1:\d+: the value of 'api_token' is vault-encrypted \(!vault\): Decryption failed/);
  });
});
