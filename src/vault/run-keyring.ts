/**
 * The vault secrets of this process's run, set once by the CLI before any
 * input is loaded (the YAML loader decrypts with them), and the values they
 * decrypted (masked in output like every secret).
 */
import { Keyring } from './secrets.js';

let current = new Keyring();
const decrypted = new Set<string>();

export function setRunKeyring(k: Keyring): void {
  current = k;
}

export function runKeyring(): Keyring {
  return current;
}

/** Remember a decrypted value (every string leaf of a decrypted file; numbers and booleans are not secrets). */
export function learnVaultValue(value: unknown): void {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.trim() !== '') decrypted.add(v);
    } else if (v && typeof v === 'object' && !seen.has(v)) {
      seen.add(v);
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(value);
}

/** Every value decrypted so far in this process. */
export function vaultValues(): string[] {
  return [...decrypted];
}
