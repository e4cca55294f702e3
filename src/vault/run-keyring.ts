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

/**
 * Remember a decrypted value: an inline `!vault` string whatever its length;
 * of a decrypted file, every string leaf of `minLength` characters or more
 * (a vaulted file's "yes" or "on" would otherwise mask every yes and on of
 * the output); numbers and booleans are not secrets.
 */
export function learnVaultValue(value: unknown, minLength = 1): void {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.trim() !== '' && v.length >= minLength) decrypted.add(v);
    } else if (v && typeof v === 'object' && !seen.has(v)) {
      seen.add(v);
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(value);
}

/**
 * Start a new run in the same process: no vault secrets, nothing decrypted.
 * The CLI runs once per process and never needs it; unit test files that
 * share a worker call it first (test/helpers/fresh-run.ts).
 */
export function resetRunVault(): void {
  current = new Keyring();
  decrypted.clear();
}

/** Every value decrypted so far in this process. */
export function vaultValues(): string[] {
  return [...decrypted];
}
