/**
 * YAML loading that remembers where every value came from, so any later
 * error (schema, inventory, template) can name file:line:column.
 *
 * Built on the `yaml` package, which keeps a source range on every node.
 */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { SchemaError, type SourcePos } from '../errors/index.js';
import { fastYamlValue } from './fast.js';
import { isVaultText, learnVaultValue, runKeyring, VaultError } from '../vault/index.js';

/** `!vault |` values stay strings while parsing; the walk below decrypts them. */
const vaultTag = { tag: '!vault', resolve: (s: string): string => s };

/** A parsed YAML document plus positions, addressed by JSON pointer. */
export interface Located<T = unknown> {
  file: string;
  value: T;
  /** position of the value at `pointer` ("" is the root, "/tasks/0/name") */
  pos(pointer: string): SourcePos | undefined;
  /** position of the key at `pointer` (the key `name` of "/tasks/0/name"); falls back to pos() */
  keyPos(pointer: string): SourcePos | undefined;
}

export function escapePointer(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function joinPointer(base: string, ...segments: (string | number)[]): string {
  return base + segments.map((s) => '/' + escapePointer(s)).join('');
}

/** Texts at least this long are read by the fast reader first (fast.ts); shorter ones are cheap to read fully. */
export const FAST_YAML_MIN_CHARS = 64 * 1024;

/**
 * Parse YAML text. Throws SchemaError (exit 4) on a syntax error, with the position.
 * A large text is read by the fast reader when it can (see fast.ts); its
 * positions are then worked out on first use, with the same values as a full read.
 */
export function loadYaml<T = unknown>(text: string, file: string): Located<T> {
  const vaulted = isVaultText(text);
  if (vaulted) text = decryptFile(text, file);
  const fast = text.length >= FAST_YAML_MIN_CHARS ? fastYamlValue(text) : undefined;
  if (!fast) {
    const full = loadYamlFull<T>(text, file);
    if (vaulted) learnVaultValue(full.value, 4);
    return full;
  }
  if (vaulted) learnVaultValue(fast.value, 4);
  let full: Located<T> | undefined;
  const lazy = (which: 'pos' | 'keyPos', pointer: string): SourcePos => {
    let at: SourcePos | undefined;
    const where = (): SourcePos => {
      if (at) return at;
      try {
        full ??= loadYamlFull<T>(text, file);
        at = full[which](pointer) ?? { file, line: 1, col: 1 };
      } catch {
        at = { file, line: 1, col: 1 };
      }
      return at;
    };
    return {
      file,
      get line() {
        return where().line;
      },
      get col() {
        return where().col;
      },
    };
  };
  return { file, value: fast.value as T, pos: (p) => lazy('pos', p), keyPos: (p) => lazy('keyPos', p) };
}

function loadYamlFull<T = unknown>(text: string, file: string): Located<T> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true, customTags: [vaultTag] });
  const at = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const first = doc.errors[0];
  if (first) {
    const detail = first.message.split('\n')[0] ?? first.message;
    throw new SchemaError(`YAML syntax error: ${detail}`, at(first.pos[0]), yamlHint(first.code));
  }
  const values = new Map<string, SourcePos>();
  const keys = new Map<string, SourcePos>();
  const walk = (node: unknown, pointer: string): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.range) values.set(pointer, at(n.range[0]));
    if ((n as { tag?: string }).tag === '!vault') {
      // a scalar is decrypted in place; a tagged mapping or list is not vault text (decryptValue says so)
      const plain = decryptValue(isScalar(n) ? n.value : undefined, pointer, n.range ? at(n.range[0]) : { file, line: 1, col: 1 });
      if (isScalar(n)) n.value = plain;
    }
    if (isMap(n)) {
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        if (isMap(pair.key) || isSeq(pair.key)) {
          const kr = (pair.key as Node).range;
          throw new SchemaError('a mapping key must be a plain value, not a mapping or a list', kr ? at(kr[0]) : at(0), 'quote a key that starts with { or [ (a template needs quotes: "{{ x }}")');
        }
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const child = joinPointer(pointer, k);
        const keyNode = pair.key as Node | null;
        if (keyNode && keyNode.range) keys.set(child, at(keyNode.range[0]));
        if (pair.value && (pair.value as Node).range) walk(pair.value, child);
        else if (keyNode && keyNode.range) values.set(child, at(keyNode.range[0]));
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => walk(item, joinPointer(pointer, i)));
    }
  };
  walk(doc.contents, '');
  let value: T;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) as T;
  } catch (err) {
    // e.g. an alias whose anchor is not set before it
    throw new SchemaError(`cannot read YAML: ${err instanceof Error ? err.message : String(err)}`, { file, line: 1, col: 1 }, 'define an anchor (&name) before using its alias (*name)');
  }
  const nearest = (map: Map<string, SourcePos>, pointer: string): SourcePos | undefined => {
    let p = pointer;
    for (;;) {
      const hit = map.get(p) ?? values.get(p);
      if (hit) return hit;
      if (p === '') return { file, line: 1, col: 1 };
      p = p.slice(0, p.lastIndexOf('/'));
    }
  };
  return {
    file,
    value,
    pos: (pointer) => nearest(values, pointer),
    keyPos: (pointer) => nearest(keys, pointer),
  };
}

/** A whole vault-encrypted file: its plaintext, or an error naming the file (never its ciphertext). */
function decryptFile(text: string, file: string): string {
  try {
    return runKeyring().decrypt(text, file).plaintext.toString('utf8');
  } catch (err) {
    if (err instanceof VaultError) throw new SchemaError(`a vault-encrypted file: ${vaultReason(err)}`, { file, line: 1, col: 1 }, err.hint ?? VAULT_HINT);
    throw err;
  }
}

const VAULT_HINT = 'give the vault password: --vault-password-file FILE, --vault-id LABEL@FILE or --ask-vault-pass';

function vaultReason(err: VaultError): string {
  return runKeyring().empty ? 'no vault password was given' : err.message.replace(/ on \S+$/, '');
}

/** An inline `!vault` value: its plaintext (a string, as in Ansible), learnt as a secret. */
function decryptValue(raw: unknown, pointer: string, pos: SourcePos): string {
  const name = pointer.split('/').pop()?.replace(/~1/g, '/').replace(/~0/g, '~') ?? '';
  const what = name ? `the value of '${name}'` : 'a value';
  if (typeof raw !== 'string') throw new SchemaError(`${what} is tagged !vault but is not vault-encrypted text`, pos, 'paste the output of ansible-vault encrypt_string (or hapb vault encrypt_string)');
  try {
    const plain = runKeyring().decrypt(raw.trim()).plaintext.toString('utf8');
    learnVaultValue(plain);
    return plain;
  } catch (err) {
    if (err instanceof VaultError) throw new SchemaError(`${what} is vault-encrypted (!vault): ${vaultReason(err)}`, pos, err.hint ?? VAULT_HINT);
    throw err;
  }
}

/**
 * Files parsed so far, by path, with the text they were parsed from. A file
 * read again with the same text (a role's tasks for each play that has the
 * role, an included file for each host, argument specs) is not parsed again:
 * the caller gets its own copy of the value, and the same positions. Not
 * kept: vault-encrypted text (decrypting has effects: the keyring, the values
 * learnt as secrets) and large texts (an inventory of many hosts, read once).
 */
const parsedFiles = new Map<string, { text: string; doc: Located }>();
const PARSED_FILES_MAX = 256;

function keepParsed(file: string, text: string, doc: Located): void {
  if (text.length >= FAST_YAML_MIN_CHARS || text.includes('!vault') || isVaultText(text)) return;
  parsedFiles.delete(file);
  if (parsedFiles.size >= PARSED_FILES_MAX) {
    const oldest = parsedFiles.keys().next().value;
    if (oldest !== undefined) parsedFiles.delete(oldest);
  }
  parsedFiles.set(file, { text, doc });
}

/** Read and parse a YAML file. A missing or unreadable file is a SchemaError. */
export function loadYamlFile<T = unknown>(file: string): Located<T> {
  const text = readYamlText(file);
  const hit = parsedFiles.get(file);
  if (hit && hit.text === text) return { ...(hit.doc as Located<T>), value: structuredClone(hit.doc.value) as T };
  const doc = loadYaml<T>(text, file);
  keepParsed(file, text, { ...doc, value: structuredClone(doc.value) });
  return doc;
}

function readYamlText(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SchemaError(
      code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})`,
      { file, line: 0, col: 0 },
      code === 'ENOENT' ? 'check the path; relative paths are taken from the current directory' : undefined,
    );
  }
  return text;
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'a key appears twice in the same mapping; remove or rename one';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: nested keys need more spaces than their parent, and tabs are not allowed';
    case 'TAB_AS_INDENT':
      return 'YAML does not allow tabs for indentation; use spaces';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'a value that starts with {{ must be quoted: "{{ var }}"';
    default:
      return 'see the YAML around this position';
  }
}
