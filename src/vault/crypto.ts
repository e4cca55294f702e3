/**
 * Ansible Vault's AES256 cipher (format 1.1/1.2), as ansible-vault writes it:
 * PBKDF2-HMAC-SHA256 (10000 iterations, 32-byte random salt) derives 80
 * bytes: the AES-256 key, the HMAC-SHA256 key and the 16-byte CTR counter.
 * The plaintext is PKCS#7-padded (even in CTR mode), encrypted, and signed
 * with HMAC-SHA256; salt, HMAC and ciphertext are hex strings joined by
 * newlines, and that text is hex-encoded again (the "vaulttext").
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const ITERATIONS = 10000;
const KEY_LEN = 32;
const IV_LEN = 16;
const BLOCK = 16;

/** The vaulttext is not well formed (not hex, missing parts). */
export class VaultFormatError extends Error {}

function deriveKeys(password: Buffer, salt: Buffer): { key: Buffer; hmacKey: Buffer; iv: Buffer } {
  const d = pbkdf2Sync(password, salt, ITERATIONS, 2 * KEY_LEN + IV_LEN, 'sha256');
  return { key: d.subarray(0, KEY_LEN), hmacKey: d.subarray(KEY_LEN, 2 * KEY_LEN), iv: d.subarray(2 * KEY_LEN) };
}

function unhex(text: string, what: string): Buffer {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new VaultFormatError(`Vault format unhexlify error: ${what} is not hexadecimal`);
  return Buffer.from(text, 'hex');
}

/** Encrypt `plaintext` with `password`; returns the vaulttext (hex, one line, no header). */
export function encryptVaultText(plaintext: Buffer, password: Buffer, salt: Buffer = randomBytes(32)): string {
  const { key, hmacKey, iv } = deriveKeys(password, salt);
  const pad = BLOCK - (plaintext.length % BLOCK);
  const padded = Buffer.concat([plaintext, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const ciphertext = Buffer.concat([cipher.update(padded), cipher.final()]);
  const hmac = createHmac('sha256', hmacKey).update(ciphertext).digest('hex');
  const inner = `${salt.toString('hex')}\n${hmac}\n${ciphertext.toString('hex')}`;
  return Buffer.from(inner, 'ascii').toString('hex');
}

/**
 * Decrypt a vaulttext (hex, no header, no newlines). Returns undefined when
 * the password is not the right one (the HMAC does not match); throws
 * VaultFormatError when the text is not a vaulttext at all.
 */
export function decryptVaultText(vaulttext: string, password: Buffer): Buffer | undefined {
  const inner = unhex(vaulttext, 'the vault text').toString('ascii');
  const first = inner.indexOf('\n');
  const second = first < 0 ? -1 : inner.indexOf('\n', first + 1);
  if (first < 0 || second < 0) throw new VaultFormatError('Vault vaulttext format error: expected salt, HMAC and ciphertext');
  const salt = unhex(inner.slice(0, first), 'the salt');
  const hmac = unhex(inner.slice(first + 1, second), 'the HMAC');
  const ciphertext = unhex(inner.slice(second + 1), 'the ciphertext');
  const { key, hmacKey, iv } = deriveKeys(password, salt);
  const expected = createHmac('sha256', hmacKey).update(ciphertext).digest();
  if (hmac.length !== expected.length || !timingSafeEqual(hmac, expected)) return undefined;
  const decipher = createDecipheriv('aes-256-ctr', key, iv);
  const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || pad > padded.length || !padded.subarray(padded.length - pad).every((b) => b === pad)) {
    throw new VaultFormatError('Vault decryption error: invalid padding');
  }
  return padded.subarray(0, padded.length - pad);
}
