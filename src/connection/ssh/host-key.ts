/**
 * Host key verification for ssh2 against known_hosts, OpenSSH-style:
 * a known key connects; an unknown key is refused with its fingerprint unless
 * accept-new is on (then it is recorded); a changed or revoked key is always
 * refused and never recorded.
 */
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  keyTypeOfBlob,
  knownHostsName,
  knownKeyTypes,
  readKnownHosts,
} from '../known-hosts.js';

/** appends to one known_hosts file, one at a time (several hosts connect at once) */
const fileLocks = new Map<string, Promise<unknown>>();

function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const prev = fileLocks.get(file) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const settled = next.catch(() => undefined);
  fileLocks.set(file, settled);
  void settled.then(() => {
    if (fileLocks.get(file) === settled) fileLocks.delete(file);
  });
  return next;
}

export interface HostKeyFailure {
  message: string;
  hint: string;
}

export interface HostKeyPolicy {
  knownHostsFile: string;
  acceptNew: boolean;
}

/** Every server host key algorithm ssh2 speaks, in its default order. */
const ALL_HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function algosOfKeyType(t: string): string[] {
  return t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t];
}

/** Host key algorithms with those already known for the host first (as OpenSSH orders them). */
export function preferredHostKeyAlgos(knownTypes: readonly string[]): string[] {
  const first = knownTypes.flatMap(algosOfKeyType).filter((a) => ALL_HOST_KEY_ALGOS.includes(a));
  return [...new Set([...first, ...ALL_HOST_KEY_ALGOS])];
}

export class HostKeyVerifier {
  readonly lookupName: string;
  private readonly policy: HostKeyPolicy;
  private readonly display: string;
  private readonly keyscan: string;
  failure: HostKeyFailure | undefined;
  /** the line written for a newly accepted key */
  recorded: string | undefined;

  /** `alias` is HostKeyAlias (used as is), otherwise `hostname`:`port` is looked up. */
  constructor(hostname: string, port: number, alias: string | undefined, policy: HostKeyPolicy) {
    this.lookupName = alias ? alias.toLowerCase() : knownHostsName(hostname, port);
    this.display = port === 22 ? hostname : `${hostname} port ${port}`;
    this.keyscan = port === 22 ? `ssh-keyscan ${hostname}` : `ssh-keyscan -p ${port} ${hostname}`;
    this.policy = policy;
  }

  /** key types already known for this host */
  async knownTypes(): Promise<string[]> {
    const { entries } = await readKnownHosts(this.policy.knownHostsFile);
    return knownKeyTypes(entries, [this.lookupName]);
  }

  /** ssh2's asynchronous hostVerifier */
  readonly verify = (key: Buffer, done: (ok: boolean) => void): void => {
    this.check(key).then(done, (err: unknown) => {
      this.failure = {
        message: `cannot check the host key of ${this.display}: ${err instanceof Error ? err.message : String(err)}`,
        hint: `check that ${this.policy.knownHostsFile} is readable`,
      };
      done(false);
    });
  };

  private async check(key: Buffer): Promise<boolean> {
    const file = this.policy.knownHostsFile;
    const { entries } = await readKnownHosts(file);
    const result = checkHostKey(entries, [this.lookupName], key);
    const fp = fingerprintSha256(key);
    const type = keyTypeOfBlob(key);
    switch (result.status) {
      case 'match':
        return true;
      case 'revoked':
        this.failure = {
          message: `the ${type} host key of ${this.display} is REVOKED (${file}:${result.line}); fingerprint ${fp}`,
          hint: 'a revoked key is never accepted: ask the host owner for its current key',
        };
        return false;
      case 'changed':
        this.failure = {
          message:
            `HOST KEY CHANGED for ${this.display}: it offered ${type} ${fp}, which is not the key known for it ` +
            `(${result.lines.map((l) => `${file}:${l}`).join(', ')}). Someone may be intercepting the connection, ` +
            'or the host was reinstalled',
          hint: `if the change is expected, remove the old key with: ssh-keygen -R '${this.lookupName}' -f ${file}`,
        };
        return false;
      case 'unknown':
        if (this.policy.acceptNew) {
          // check again under the lock: another connection may have just recorded this host
          return withFileLock(file, async () => {
            const again = checkHostKey((await readKnownHosts(file)).entries, [this.lookupName], key);
            if (again.status === 'match') return true;
            if (again.status !== 'unknown') return this.check(key);
            this.recorded = await appendKnownHost(file, this.lookupName, key);
            return true;
          });
        }
        this.failure = {
          message: `unknown host key for ${this.display}: ${type} ${fp} is not in ${file}`,
          hint:
            'check the fingerprint, then accept it with --accept-new-host-keys, or add it with: ' +
            `${this.keyscan} >> ${file}`,
        };
        return false;
    }
  }
}
