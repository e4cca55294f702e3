/**
 * A small reader and writer of OpenSSH known_hosts files: plain and hashed
 * (`|1|salt|hmac`) host patterns, `[host]:port` names, negation and wildcards,
 * `@revoked` lines (a match refuses the key) and `@cert-authority` lines
 * (skipped: host certificates are not supported).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostLine {
  /** 1-based line number in the file */
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  /** the host field as written (comma-separated patterns, or one hashed entry) */
  hosts: string;
  hashed: boolean;
  /** key type such as ssh-ed25519 */
  keyType: string;
  /** the public key blob, base64 as written */
  keyBase64: string;
}

/** Parse the text of a known_hosts file; malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostLine['marker'];
    const first = fields[0] ?? '';
    if (first.startsWith('@')) {
      if (first === '@revoked') marker = 'revoked';
      else if (first === '@cert-authority') marker = 'cert-authority';
      else continue;
      fields.shift();
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) continue;
    out.push({ line: i + 1, marker, hosts, hashed: hosts.startsWith('|1|'), keyType, keyBase64 });
  }
  return out;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise, lower-cased as ssh does. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `*` and `?` wildcards, as OpenSSH's match_pattern (case-insensitive for host names). */
function wildcardMatch(name: string, pattern: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .split('')
        .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()|{}[\]]/g, '\\$&')))
        .join('') +
      '$',
    'i',
  );
  return re.test(name);
}

function hashedMatch(name: string, entry: string): boolean {
  const parts = entry.split('|');
  // ['', '1', salt, hmac]
  const salt = parts[2];
  const mac = parts[3];
  if (parts.length !== 4 || !salt || !mac) return false;
  const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return got === mac;
}

/**
 * Does the host field of a line match `name` (already in `[host]:port` form when
 * the port is not 22)? A negated pattern that matches wins over any other.
 */
export function hostFieldMatches(entry: KnownHostLine, name: string): boolean {
  if (entry.hashed) return hashedMatch(name, entry.hosts);
  let positive = false;
  for (const pattern of entry.hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatch(name, pattern.slice(1))) return false;
    } else if (wildcardMatch(name, pattern)) {
      positive = true;
    }
  }
  return positive;
}

/** Key type written in the blob itself (its first SSH string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's fingerprint: `SHA256:` and unpadded base64 of the blob's SHA-256. */
export function fingerprintSha256(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export type HostKeyCheck =
  | { status: 'match'; line: number }
  | { status: 'unknown' }
  /** the host is known with other keys: the key changed (or a man in the middle) */
  | { status: 'changed'; lines: number[] }
  | { status: 'revoked'; line: number };

/**
 * Check a presented host key against parsed known_hosts lines, for each name
 * the host is known by (the first is the one the user gave). A key known for
 * the host but different is "changed", whatever its type: it is never accepted
 * silently.
 */
export function checkHostKey(entries: readonly KnownHostLine[], names: readonly string[], blob: Buffer): HostKeyCheck {
  const b64 = blob.toString('base64');
  for (const e of entries) {
    if (e.marker === 'revoked' && e.keyBase64 === b64) return { status: 'revoked', line: e.line };
  }
  const others: number[] = [];
  for (const e of entries) {
    if (e.marker !== undefined) continue;
    if (!names.some((n) => hostFieldMatches(e, n))) continue;
    if (e.keyBase64 === b64) return { status: 'match', line: e.line };
    others.push(e.line);
  }
  return others.length > 0 ? { status: 'changed', lines: others } : { status: 'unknown' };
}

/** Key types known for a host, in file order (to prefer them in the key exchange). */
export function knownKeyTypes(entries: readonly KnownHostLine[], names: readonly string[]): string[] {
  const types: string[] = [];
  for (const e of entries) {
    if (e.marker !== undefined) continue;
    if (names.some((n) => hostFieldMatches(e, n)) && !types.includes(e.keyType)) types.push(e.keyType);
  }
  return types;
}

/** A hashed host field, as `ssh-keygen -H` and HashKnownHosts write it. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${mac}`;
}

/** One line for a new host key; hashed when the file already uses hashes. */
export function formatKnownHostLine(name: string, blob: Buffer, hashed: boolean): string {
  const host = hashed ? hashHostName(name) : name;
  return `${host} ${keyTypeOfBlob(blob)} ${blob.toString('base64')}`;
}

/** Read and parse a known_hosts file; a missing file is empty. */
export async function readKnownHosts(path: string): Promise<{ entries: KnownHostLine[]; text: string }> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { entries: parseKnownHosts(text), text };
}

/**
 * Append a host key (OpenSSH accept-new). Hashed when the file already holds
 * hashed entries. The directory is created with mode 0700 when missing.
 */
export async function appendKnownHost(path: string, name: string, blob: Buffer): Promise<string> {
  const { entries, text } = await readKnownHosts(path);
  const hashed = entries.some((e) => e.hashed);
  const line = formatKnownHostLine(name, blob, hashed);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const prefix = text !== '' && !text.endsWith('\n') ? '\n' : '';
  await appendFile(path, `${prefix}${line}\n`, { mode: 0o600 });
  return line;
}
