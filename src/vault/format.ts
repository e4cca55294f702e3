/**
 * The vault envelope: a header line `$ANSIBLE_VAULT;1.1;AES256` (or
 * `$ANSIBLE_VAULT;1.2;AES256;label` when a vault id other than "default" is
 * named), then the vaulttext in lines of 80 characters, then a newline.
 */
import { VaultFormatError } from './crypto.js';

export const VAULT_HEADER = '$ANSIBLE_VAULT';
export const DEFAULT_VAULT_ID = 'default';

export interface Envelope {
  version: string;
  cipher: string;
  /** the label of a 1.2 header; undefined for 1.1 */
  vaultId: string | undefined;
  /** the vaulttext without newlines */
  body: string;
}

/** Vault-encrypted data starts with the header (as Ansible's is_encrypted). */
export function isVaultText(text: string | Buffer): boolean {
  const s = typeof text === 'string' ? text : text.subarray(0, VAULT_HEADER.length).toString('latin1');
  return s.startsWith(VAULT_HEADER);
}

export function formatEnvelope(vaulttext: string, vaultId?: string): string {
  const labelled = vaultId !== undefined && vaultId !== '' && vaultId !== DEFAULT_VAULT_ID;
  const header = labelled ? `${VAULT_HEADER};1.2;AES256;${vaultId}` : `${VAULT_HEADER};1.1;AES256`;
  const lines = [header];
  for (let i = 0; i < vaulttext.length; i += 80) lines.push(vaulttext.slice(i, i + 80));
  return lines.join('\n') + '\n';
}

export function parseEnvelope(text: string): Envelope {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').trim().split(';');
  if (header[0] !== VAULT_HEADER || header.length < 3) throw new VaultFormatError('Vault envelope format error: bad header');
  const version = (header[1] ?? '').trim();
  const cipher = (header[2] ?? '').trim();
  if (cipher !== 'AES256') throw new VaultFormatError(`${cipher} cipher could not be found`);
  const vaultId = header.length >= 4 ? (header[3] ?? '').trim() : undefined;
  const body = lines.slice(1).map((l) => l.trim()).join('');
  return { version, cipher, vaultId, body };
}
