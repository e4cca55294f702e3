/**
 * Build an ApplyContext for tests (runModule cuts the CheckContext from it): become applied to run() and query(), templates
 * rendered with plain nunjucks, expressions evaluated through nunjucks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import type { BecomeOptions, Connection } from '../../src/connection/types.js';
import type { Vars } from '../../src/core/types.js';
import type { ApplyContext } from '../../src/modules/types.js';

export interface TestContextOptions {
  check?: boolean;
  diff?: boolean;
  vars?: Vars;
  become?: BecomeOptions;
  /** folder holding templates/ and files/ sub-folders */
  baseDir?: string;
  task?: string;
  /** the file helpers use node:fs, not commands (the local connection without sudo, as the engine sets it) */
  inProcess?: boolean;
}

export function makeContext(conn: Connection, o: TestContextOptions = {}): ApplyContext & { warnings: string[] } {
  const env = new nunjucks.Environment(null, { autoescape: false, trimBlocks: true, throwOnUndefined: true });
  const vars = o.vars ?? {};
  const warnings: string[] = [];
  return {
    host: conn.host,
    task: o.task ?? 'test task',
    check: o.check ?? false,
    refreshed: false,
    ...(o.inProcess ? { inProcess: true } : {}),
    diff: o.diff ?? true,
    vars,
    conn,
    become: o.become,
    warnings,
    run: (command, opts = {}) => conn.exec(command, o.become ? { ...opts, become: o.become } : opts),
    query: (command, opts = {}) => conn.exec(command, o.become ? { ...opts, become: o.become } : opts),
    findFile(kind, name) {
      if (name.startsWith('/')) return name;
      const base = o.baseDir ?? process.cwd();
      const inKind = join(base, kind, name);
      return existsSync(inKind) ? inKind : join(base, name);
    },
    renderTemplate(path) {
      return env.renderString(readFileSync(path, 'utf8'), vars);
    },
    evaluate(expression) {
      const out = env.renderString(`{{ (${expression}) | dump }}`, vars);
      return out === '' ? undefined : (JSON.parse(out) as unknown);
    },
    warn(message) {
      warnings.push(message);
    },
  };
}
