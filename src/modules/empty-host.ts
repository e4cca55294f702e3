/**
 * A host with nothing on it, for `hapb render` and the preflight: every path
 * is absent (statFile's answer), so a content plan writes the whole file;
 * every other command is refused and nothing can be written.
 */
import type { Connection, ExecResult } from '../connection/types.js';
import { HapbError } from '../errors/index.js';
import { isStatScript } from './files.js';

export class EmptyHost implements Connection {
  constructor(readonly host: string) {}

  connect(): Promise<void> {
    return Promise.resolve();
  }

  exec(command: string): Promise<ExecResult> {
    if (isStatScript(command)) return Promise.resolve({ rc: 0, stdout: 'absent\n', stderr: '' });
    return Promise.resolve({ rc: 1, stdout: '', stderr: 'no host: rendering runs no command' });
  }

  put(_content: Buffer, path: string): Promise<void> {
    return Promise.reject(new HapbError(`no host: rendering writes nothing (${path})`));
  }

  get(): Promise<Buffer | null> {
    return Promise.resolve(null);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
