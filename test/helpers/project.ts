/** Builds small throw-away projects (inventory, playbook, roles) in a temp dir for engine tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LocalConnection } from '../../src/connection/local.js';
import type { ConnectionFactory } from '../../src/connection/types.js';
import { runPlaybook, type RunOptions } from '../../src/engine/run-playbook.js';
import type { EngineEvent, Vars } from '../../src/engine/types.js';
import { loadInventory } from '../../src/inventory/index.js';
import { getModule, moduleNames } from '../../src/modules/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';

export const catalog = { lookup: getModule, names: moduleNames };

export interface Project {
  dir: string;
  path(rel: string): string;
  write(rel: string, content: string): void;
  cleanup(): void;
  run(opts?: Partial<Omit<RunOptions, 'playbook' | 'inventory'>> & { playbook?: string; inventory?: string }): Promise<RunResult>;
}

export interface RunResult {
  exitCode: number;
  recap: Record<string, { ok: number; changed: number; failed: number; skipped: number; unreachable: number; ignored: number; rescued: number }>;
  events: EngineEvent[];
  /** host.result events as "status host task" strings */
  lines: string[];
}

/** Every host of these tests uses the local connection: it runs on this machine, under dir/root. */
export const localFactory: ConnectionFactory = (host) => new LocalConnection(host);

export function makeProject(files: Record<string, string>): Project {
  const dir = mkdtempSync(join(tmpdir(), 'hapb-engine-'));
  const write = (rel: string, content: string): void => {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content.replaceAll('@ROOT@', join(dir, 'root')));
  };
  for (const [rel, content] of Object.entries(files)) write(rel, content);
  mkdirSync(join(dir, 'root'), { recursive: true });
  return {
    dir,
    path: (rel) => join(dir, rel),
    write,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    run: async (opts = {}) => {
      const events: EngineEvent[] = [];
      const { playbook = 'site.yml', inventory = 'hosts.yml', ...rest } = opts;
      const outcome = await runPlaybook({
        playbook: loadPlaybook(join(dir, playbook), { modules: catalog }),
        inventory: loadInventory(join(dir, inventory)),
        modules: { get: getModule },
        connect: localFactory,
        ...rest,
        extraVars: { root: join(dir, 'root'), ...(rest.extraVars ?? ({} as Vars)) },
        listeners: [(e) => events.push(e), ...(rest.listeners ?? [])],
      });
      const lines = events.flatMap((e) => (e.type === 'host.result' ? [`${e.status} ${e.host} ${e.handler ? 'handler:' : ''}${e.task}`] : []));
      return { exitCode: outcome.exitCode, recap: outcome.recap, events, lines };
    },
  };
}
