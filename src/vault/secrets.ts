/**
 * Vault secrets (a password and the vault id it is known by) and where they
 * come from, as Ansible reads them:
 * - `--vault-password-file FILE`, `--vault-id [label@]FILE`: a file's content
 *   (trimmed), or, when the file is executable, what the script prints
 *   (a script named `*-client` or `*-client.EXT` gets `--vault-id label`);
 * - `--ask-vault-pass`, `--vault-id label@prompt`: asked on the terminal.
 * A keyring decrypts with the secret whose id the vaulttext names first, then
 * with every other one, like Ansible (the label is a hint, not a check).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { ExitCode, HapbError } from '../errors/index.js';
import { decryptVaultText, encryptVaultText, VaultFormatError } from './crypto.js';
import { DEFAULT_VAULT_ID, formatEnvelope, isVaultText, parseEnvelope } from './format.js';

export interface VaultSecret {
  id: string;
  password: Buffer;
  /** where it came from, for messages: a file name or "prompt" */
  source: string;
}

/** Wrong or missing password, unusable password source, malformed vault data: exit 4. */
export class VaultError extends HapbError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.invalidInput, ...(hint ? { hint } : {}) });
  }
}

export class Keyring {
  constructor(readonly secrets: readonly VaultSecret[] = []) {}

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  /** Decrypt vault data (with its header); `what` names it in errors. */
  decrypt(text: string, what?: string): { plaintext: Buffer; id: string } {
    const on = what ? ` on ${what}` : '';
    if (!isVaultText(text)) throw new VaultError(`input is not vault encrypted data${what ? `: ${what} is not a vault encrypted file` : ''}`);
    if (this.empty) throw new VaultError(`Attempting to decrypt but no vault secrets found${on}`, 'give the vault password: --vault-password-file FILE, --vault-id LABEL@FILE or --ask-vault-pass');
    let env;
    try {
      env = parseEnvelope(text);
    } catch (err) {
      throw new VaultError(`${(err as Error).message}${on}`);
    }
    const named = env.vaultId === undefined ? [] : this.secrets.filter((s) => s.id === env.vaultId);
    const order = [...named, ...this.secrets.filter((s) => !named.includes(s))];
    for (const s of order) {
      let plain: Buffer | undefined;
      try {
        plain = decryptVaultText(env.body, s.password);
      } catch (err) {
        if (err instanceof VaultFormatError) throw new VaultError(`There was a vault format error${on}: ${err.message}`);
        throw err;
      }
      if (plain) return { plaintext: plain, id: s.id };
    }
    throw new VaultError(`Decryption failed (no vault secrets were found that could decrypt)${on}`, 'check the vault password (and the --vault-id label)');
  }

  /** The secret to encrypt with: the one of `id` (--encrypt-vault-id), else the only one. */
  encryptSecret(id?: string): VaultSecret {
    if (id !== undefined) {
      const s = this.secrets.find((x) => x.id === id);
      if (!s) throw new VaultError(`Did not find a match for --encrypt-vault-id=${id} in the known vault-ids ${JSON.stringify(this.secrets.map((x) => x.id))}`);
      return s;
    }
    const first = this.secrets[0];
    if (!first) throw new VaultError("A vault password is required to use Ansible's Vault");
    if (this.secrets.length > 1) throw new VaultError(`The vault-ids ${this.secrets.map((x) => x.id).join(',')} are available to encrypt. Specify the vault-id to encrypt with --encrypt-vault-id`);
    return first;
  }

  /** Encrypt to a full envelope (header, 80-column lines, final newline). */
  encrypt(plaintext: Buffer | string, secret: VaultSecret = this.encryptSecret()): string {
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    if (isVaultText(data)) throw new VaultError('input is already encrypted');
    return formatEnvelope(encryptVaultText(data, secret.password), secret.id);
  }
}

/** `label@source` → [label, source]; a bare source has no label. */
export function splitVaultId(slug: string): [string | undefined, string] {
  const at = slug.indexOf('@');
  return at < 0 ? [undefined, slug] : [slug.slice(0, at), slug.slice(at + 1)];
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A script named `something-client` or `something-client.ext` is asked for a vault id. */
function isClientScript(file: string): boolean {
  return basename(file, extname(file)).endsWith('-client');
}

/** The password in `file`, or printed by `file` when it is executable. */
export function readPasswordSource(file: string, id: string): Buffer {
  if (!existsSync(file)) throw new VaultError(`The vault password file ${file} was not found`);
  if (isExecutable(file)) {
    const client = isClientScript(file);
    const args = client ? ['--vault-id', id] : [];
    const r = spawnSync(file, args, { stdio: ['inherit', 'pipe', client ? 'pipe' : 'inherit'], maxBuffer: 1 << 20 });
    if (r.error) throw new VaultError(`Problem running vault password script ${file} (${r.error.message}). If this is not a script, remove the executable bit from the file.`);
    if (client && r.status === 2) throw new VaultError(`Vault password client script ${file} did not find a secret for vault-id=${id}`);
    if (r.status !== 0) throw new VaultError(`Vault password script ${file} returned non-zero (${String(r.status)})`);
    const pw = stripNewlines(r.stdout);
    if (pw.length === 0) throw new VaultError(`Invalid vault password was provided from script (${file})`);
    return pw;
  }
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    throw new VaultError(`Could not read vault password file ${file}: ${(err as Error).message}`);
  }
  const pw = stripNewlines(Buffer.from(data.toString('utf8').trim(), 'utf8'));
  if (pw.length === 0) throw new VaultError(`Invalid vault password was provided from file (${file})`);
  return pw;
}

function stripNewlines(b: Buffer): Buffer {
  let start = 0;
  let end = b.length;
  while (start < end && (b[start] === 10 || b[start] === 13)) start++;
  while (end > start && (b[end - 1] === 10 || b[end - 1] === 13)) end--;
  return b.subarray(start, end);
}

export interface SecretOptions {
  /** --vault-id values: `label@file`, `label@prompt`, `file`, `prompt` */
  vaultIds?: readonly string[];
  /** --vault-password-file values */
  passwordFiles?: readonly string[];
  /** --ask-vault-pass */
  ask?: boolean;
  /** ask for a new password twice (encrypt, create, rekey's new password) */
  create?: boolean;
  /** ask when nothing else was given (ansible-vault does; ansible-playbook does not) */
  autoPrompt?: boolean;
  /** asks without echo; returns the line typed */
  prompt: (text: string) => Promise<string>;
}

/** The secrets of the given sources, in Ansible's order: --vault-id, then password files, then --ask-vault-pass. */
export async function loadVaultSecrets(o: SecretOptions): Promise<VaultSecret[]> {
  const slugs = [...(o.vaultIds ?? []), ...(o.passwordFiles ?? []).map((f) => `${DEFAULT_VAULT_ID}@${f}`)];
  if (o.ask || (slugs.length === 0 && o.autoPrompt)) slugs.push(`${DEFAULT_VAULT_ID}@prompt_ask_vault_pass`);
  const out: VaultSecret[] = [];
  let lastError: VaultError | undefined;
  for (const slug of slugs) {
    const [label, source] = splitVaultId(slug);
    const id = label || DEFAULT_VAULT_ID;
    if (source === 'prompt' || source === 'prompt_ask_vault_pass') {
      const plain = source === 'prompt_ask_vault_pass';
      const prompts = o.create
        ? plain ? ['New Vault password: ', 'Confirm New Vault password: '] : [`New vault password (${id}): `, `Confirm new vault password (${id}): `]
        : plain ? ['Vault password: '] : [`Vault password (${id}): `];
      const answers: string[] = [];
      for (const p of prompts) answers.push((await o.prompt(p)).trim());
      if (answers.length === 2 && answers[0] !== answers[1]) throw new VaultError('Passwords do not match');
      if (!answers[0]) throw new VaultError('Invalid vault password was provided from prompt');
      out.push({ id, password: Buffer.from(answers[0], 'utf8'), source: 'prompt' });
      continue;
    }
    try {
      out.push({ id, password: readPasswordSource(source, id), source });
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      process.stderr.write(`[WARNING]: Error getting vault password file (${id}): ${err.message}\n`);
      lastError = err;
    }
  }
  if (lastError && out.length === 0) throw lastError;
  return out;
}
