/**
 * `hapb vault encrypt|decrypt|view|edit|create|encrypt_string|rekey`: the
 * ansible-vault commands, same flags, same files and output; and the vault
 * options of the commands that load inputs (run, render, inventory).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ExitCode, HapbError } from '../errors/index.js';
import { Keyring, loadVaultSecrets, setRunKeyring, VaultError, type VaultSecret } from '../vault/index.js';
import { askHidden, collect } from './util.js';

export interface VaultFlags {
  vaultId: string[];
  vaultPasswordFile: string[];
  askVaultPass?: boolean;
}

/** The vault options every command that loads inputs takes. */
export function addVaultOptions(cmd: Command): Command {
  return cmd
    .option('--vault-id <id>', 'vault identity: LABEL@FILE, LABEL@prompt, FILE or prompt (repeatable)', collect, [])
    .option('--vault-password-file <file>', 'vault password file, or an executable printing it (repeatable)', collect, [])
    .option('-J, --ask-vault-pass', 'ask for the vault password');
}

/** Lines of stdin for prompts when stdin is not a terminal (one reader for every prompt). */
let stdinLines: AsyncIterator<string> | undefined;
async function prompt(text: string): Promise<string> {
  if (process.stdin.isTTY) return askHidden(text);
  stdinLines ??= createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const r = await stdinLines.next();
  return r.done ? '' : r.value;
}

/** Load the vault secrets of the run's flags, before any input is read (ansible-playbook asks only when told). */
export async function setupRunVault(flags: VaultFlags): Promise<void> {
  const secrets = await loadVaultSecrets({
    vaultIds: flags.vaultId,
    passwordFiles: flags.vaultPasswordFile,
    ask: Boolean(flags.askVaultPass),
    prompt,
  });
  setRunKeyring(new Keyring(secrets));
}

interface CommonFlags extends VaultFlags {
  output?: string;
  encryptVaultId?: string;
  verbose?: number;
}

async function keyring(flags: VaultFlags, create: boolean): Promise<Keyring> {
  const secrets = await loadVaultSecrets({
    vaultIds: flags.vaultId,
    passwordFiles: flags.vaultPasswordFile,
    ask: Boolean(flags.askVaultPass),
    create,
    autoPrompt: true,
    prompt,
  });
  if (secrets.length === 0) throw new VaultError("A vault password is required to use Ansible's Vault");
  return new Keyring(secrets);
}

async function readInput(file: string): Promise<Buffer> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return readFileSync(file);
  } catch (err) {
    throw new HapbError(`could not read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { exitCode: ExitCode.invalidInput });
  }
}

/** Write like ansible-vault: `-` is stdout; an existing file keeps its mode; a new one is 0600; never half-written. */
function writeOutput(data: Buffer | string, file: string): void {
  if (file === '-') {
    process.stdout.write(data);
    return;
  }
  const mode = existsSync(file) ? statSync(file).mode & 0o7777 : 0o600;
  const tmp = join(dirname(file), `.${process.pid}.hapb-vault.tmp`);
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, mode);
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new HapbError(`could not write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function successMessage(text: string): void {
  // ansible-vault says so only when stdout is a terminal
  if (process.stdout.isTTY) process.stderr.write(`${text}\n`);
}

function files(args: string[]): string[] {
  return args.length ? args : ['-'];
}

async function encryptCmd(args: string[], flags: CommonFlags): Promise<void> {
  const ring = await keyring(flags, true);
  const secret = ring.encryptSecret(flags.encryptVaultId);
  if (!args.length && process.stdin.isTTY) process.stderr.write('Reading plaintext input from stdin\n');
  for (const f of files(args)) {
    const data = await readInput(f);
    writeOutput(ring.encrypt(data, secret), flags.output ?? f);
  }
  successMessage('Encryption successful');
}

async function decryptCmd(args: string[], flags: CommonFlags): Promise<void> {
  const ring = await keyring(flags, false);
  if (!args.length && process.stdin.isTTY) process.stderr.write('Reading ciphertext input from stdin\n');
  for (const f of files(args)) {
    const data = (await readInput(f)).toString('utf8');
    writeOutput(ring.decrypt(data, f).plaintext, flags.output ?? f);
  }
  successMessage('Decryption successful');
}

async function viewCmd(args: string[], flags: CommonFlags): Promise<void> {
  const ring = await keyring(flags, false);
  for (const f of args) process.stdout.write(ring.decrypt((await readInput(f)).toString('utf8'), f).plaintext.toString('utf8'));
}

/** Edit the plaintext in $EDITOR (in a private temporary folder); encrypt again, with the same vault id, if it changed. */
async function editFile(file: string, ring: Keyring, existing: { plaintext: Buffer; secret: VaultSecret } | undefined, secret: VaultSecret): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hapb-vault-'));
  chmodSync(dir, 0o700);
  const tmp = join(dir, file.split('/').pop() ?? 'vault');
  try {
    writeFileSync(tmp, existing?.plaintext ?? '', { mode: 0o600 });
    const editor = process.env.EDITOR ?? 'vi';
    const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'editor', tmp], { stdio: 'inherit' });
    if (r.status !== 0) throw new HapbError(`the editor (${editor}) exited with ${String(r.status)}: ${file} left unchanged`);
    const after = readFileSync(tmp);
    if (existing && after.equals(existing.plaintext)) return;
    writeOutput(ring.encrypt(after, existing?.secret ?? secret), file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function editCmd(args: string[], flags: CommonFlags): Promise<void> {
  const ring = await keyring(flags, false);
  for (const f of args) {
    const { plaintext, id } = ring.decrypt((await readInput(f)).toString('utf8'), f);
    const secret = ring.secrets.find((s) => s.id === id) ?? ring.encryptSecret();
    await editFile(f, ring, { plaintext, secret }, secret);
  }
}

async function createCmd(args: string[], flags: CommonFlags): Promise<void> {
  if (args.length !== 1) throw new HapbError('hapb vault create can take only one filename argument', { exitCode: ExitCode.invalidInput });
  const file = args[0] as string;
  if (existsSync(file)) throw new HapbError(`${file} exists, please use 'edit' instead`, { exitCode: ExitCode.invalidInput });
  const ring = await keyring(flags, true);
  await editFile(file, ring, undefined, ring.encryptSecret(flags.encryptVaultId));
}

interface StringFlags extends CommonFlags {
  name?: string[];
  stdinName?: string;
  prompt?: boolean;
  showInput?: boolean;
}

/** `name: !vault |` then the envelope indented by 10, as ansible-vault prints it. */
export function formatVaultString(envelope: string, name?: string): string {
  const lines = [`${name ? `${name}: ` : ''}!vault |`, ...envelope.split('\n').filter((l) => l !== '').map((l) => ' '.repeat(10) + l)];
  return lines.join('\n');
}

async function encryptStringCmd(args: string[], flags: StringFlags): Promise<void> {
  const readStdin = args.includes('-') || (!args.length && !flags.prompt) || flags.stdinName !== undefined;
  if (flags.prompt && readStdin) throw new HapbError('The --prompt option is not supported if also reading input from stdin', { exitCode: ExitCode.invalidInput });
  const ring = await keyring(flags, true);
  const secret = ring.encryptSecret(flags.encryptVaultId);
  const items: { text: string; from: string; name: string | undefined }[] = [];
  if (flags.prompt) {
    const name = await prompt('Variable name (enter for no name): ');
    const text = await prompt(flags.showInput ? 'String to encrypt:' : 'String to encrypt (hidden): ');
    if (text === '') throw new HapbError('The plaintext provided from the prompt was empty, not encrypting', { exitCode: ExitCode.invalidInput });
    items.push({ text, from: 'the interactive prompt', name: name || undefined });
  }
  if (readStdin) {
    const text = (await readInput('-')).toString('utf8');
    if (text === '') throw new HapbError('stdin was empty, not encrypting', { exitCode: ExitCode.invalidInput });
    items.push({ text, from: 'stdin', name: flags.stdinName });
  }
  const texts = args.filter((a) => a !== '-');
  const names = flags.name ?? [];
  if (names.length && texts.length > names.length) {
    process.stderr.write('The number of --name options do not match the number of args.\n');
    process.stderr.write(`The last named variable will be "${names[names.length - 1] ?? ''}". The rest will not have names.\n`);
  }
  texts.forEach((text, i) => {
    if (text === '') throw new HapbError('The plaintext provided from the command line args was empty, not encrypting', { exitCode: ExitCode.invalidInput });
    items.push({ text, from: 'the command line args', name: names[i] });
  });
  const out = items.map((it, i) => {
    if (items.length > 1) {
      process.stderr.write(
        it.name
          ? `# The encrypted version of variable ("${it.name}", the string #${i + 1} from ${it.from}).\n`
          : `# The encrypted version of the string #${i + 1} from ${it.from}.)\n`,
      );
    }
    return formatVaultString(ring.encrypt(it.text, secret), it.name);
  });
  writeOutput(out.join('\n'), flags.output ?? '-');
  successMessage('Encryption successful');
}

interface RekeyFlags extends CommonFlags {
  newVaultPasswordFile?: string;
  newVaultId?: string;
}

async function rekeyCmd(args: string[], flags: RekeyFlags): Promise<void> {
  if (flags.newVaultPasswordFile && flags.newVaultId) throw new HapbError('give one of --new-vault-password-file or --new-vault-id', { exitCode: ExitCode.invalidInput });
  const ring = await keyring(flags, false);
  const fresh = await loadVaultSecrets({
    vaultIds: flags.newVaultId ? [flags.newVaultId] : [],
    passwordFiles: flags.newVaultPasswordFile ? [flags.newVaultPasswordFile] : [],
    create: true,
    autoPrompt: true,
    prompt,
  });
  const newRing = new Keyring(fresh);
  const secret = newRing.encryptSecret(flags.encryptVaultId);
  for (const f of args) {
    const { plaintext } = ring.decrypt((await readInput(f)).toString('utf8'), f);
    writeOutput(newRing.encrypt(plaintext, secret), f);
  }
  process.stderr.write('Rekey successful\n');
}

export function registerVault(program: Command): void {
  const vault = program
    .command('vault')
    .description("encrypt and decrypt data files, interoperable with ansible-vault (same format, flags and output)")
    .addHelpText('after', `
Examples:
  hapb vault encrypt group_vars/all/vault.yml --vault-password-file ~/.vault_pass
  hapb vault encrypt_string --vault-id prod@prompt 's3cret' --name db_password
  hapb vault view group_vars/all/vault.yml --vault-id prod@~/.vault_pass
  hapb vault rekey vault.yml --vault-password-file old --new-vault-password-file new`);
  const common = (cmd: Command, opts: { output?: boolean; encryptId?: boolean } = {}): Command => {
    addVaultOptions(cmd).option('-v, --verbose', 'more output', (_v: string, n: number) => n + 1, 0);
    if (opts.output) cmd.option('--output <file>', 'output file name for encrypt or decrypt; use - for stdout');
    if (opts.encryptId) cmd.option('--encrypt-vault-id <id>', 'the vault id used to encrypt (required if more than one vault-id is provided)');
    return cmd;
  };
  const action =
    <F>(fn: (args: string[], flags: F) => Promise<void>) =>
    async (args: string[], flags: F): Promise<void> => {
      await fn(args, flags);
    };
  common(vault.command('encrypt').description('encrypt files in place (or to --output)').argument('[files...]'), { output: true, encryptId: true }).action(action(encryptCmd));
  common(vault.command('decrypt').description('decrypt files in place (or to --output)').argument('[files...]'), { output: true }).action(action(decryptCmd));
  common(vault.command('view').description('print the plaintext of vault files').argument('[files...]')).action(action(viewCmd));
  common(vault.command('edit').description('edit vault files in $EDITOR').argument('[files...]'), { encryptId: true }).action(action(editCmd));
  common(vault.command('create').description('create a vault file in $EDITOR').argument('[files...]'), { encryptId: true }).action(action(createCmd));
  common(vault.command('encrypt_string').description('encrypt strings into !vault YAML values').argument('[strings...]'), { output: true, encryptId: true })
    .option('-p, --prompt', 'prompt for the string to encrypt')
    .option('--show-input', 'do not hide input when prompted for the string to encrypt')
    .option('-n, --name <name>', 'the variable name (repeatable, one per string)', collect, [])
    .option('--stdin-name <name>', 'the variable name for stdin')
    .action(action(encryptStringCmd));
  common(vault.command('rekey').description('encrypt vault files with a new password').argument('[files...]'), { encryptId: true })
    .option('--new-vault-password-file <file>', 'new vault password file for rekey')
    .option('--new-vault-id <id>', 'the new vault identity to use for rekey')
    .action(action(rekeyCmd));
}
