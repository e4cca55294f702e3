/**
 * User authentication in OpenSSH's order: the agent's keys first, then each
 * identity file. An encrypted key is unlocked with a passphrase typed on the
 * terminal; without a terminal it is skipped with a note that says to load it
 * into ssh-agent. The notes explain a final "authentication failed".
 */
import { readFile } from 'node:fs/promises';
import type { AnyAuthMethod, AuthHandlerMiddleware, ParsedKey } from 'ssh2';
import { ssh2 } from './ssh2-lazy.js';
import type { AskSecret } from './prompt.js';
import type { SshTarget } from './settings.js';


export interface AuthState {
  /** what was tried, for the error message */
  tried: string[];
  /** why some keys could not be used */
  notes: string[];
  /** a passphrase prompt is open (the auth timer pauses) */
  prompting: boolean;
}

/** passphrases typed once per key file for the whole run */
const passphraseCache = new Map<string, string>();

function isEncryptedError(err: Error): boolean {
  return /encrypted|passphrase/i.test(err.message);
}

function firstKey(parsed: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  if (parsed instanceof Error) return parsed;
  if (Array.isArray(parsed)) return parsed[0] ?? new Error('no key in file');
  return parsed;
}

async function loadKey(path: string, state: AuthState, ask: AskSecret | undefined): Promise<ParsedKey | undefined> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    state.notes.push(`cannot read key file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return undefined;
  }
  const cached = passphraseCache.get(path);
  let key = firstKey(ssh2().utils.parseKey(data, cached));
  if (!(key instanceof Error)) return key;
  if (!isEncryptedError(key)) {
    state.notes.push(`cannot use key file ${path}: ${key.message}`);
    return undefined;
  }
  if (!ask) {
    state.notes.push(
      `key file ${path} is encrypted and hapb is not running on a terminal to ask its passphrase: ` +
        `load it into ssh-agent (ssh-add ${path}) and run hapb with SSH_AUTH_SOCK set`,
    );
    return undefined;
  }
  state.prompting = true;
  try {
    const pass = await ask(`Enter passphrase for key '${path}': `);
    key = firstKey(ssh2().utils.parseKey(data, pass));
    if (key instanceof Error) {
      state.notes.push(`wrong passphrase for key file ${path}`);
      return undefined;
    }
    passphraseCache.set(path, pass);
    return key;
  } finally {
    state.prompting = false;
  }
}

/** Build ssh2's authHandler for a target. */
export function makeAuthHandler(target: SshTarget, state: AuthState, ask: AskSecret | undefined): AuthHandlerMiddleware {
  const steps: (() => Promise<AnyAuthMethod | undefined>)[] = [];
  const username = target.user;
  if (target.agentSocket && !target.identitiesOnly) {
    const agent = target.agentSocket;
    steps.push(async () => {
      state.tried.push('ssh-agent');
      return { type: 'agent', username, agent };
    });
  }
  for (const file of target.identityFiles) {
    steps.push(async () => {
      const key = await loadKey(file, state, ask);
      if (!key) return undefined;
      state.tried.push(`key ${file}`);
      return { type: 'publickey', username, key };
    });
  }
  return (_left, _partial, next) => {
    const run = async (): Promise<void> => {
      for (;;) {
        const step = steps.shift();
        if (!step) {
          next(false as unknown as AnyAuthMethod);
          return;
        }
        const method = await step();
        if (method) {
          next(method);
          return;
        }
      }
    };
    void run();
  };
}
