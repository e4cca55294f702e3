/**
 * `hapb render` and `hapb run --check` take the same task pipeline: for the
 * seed inventory, in both profiles, every file render writes is a file the
 * check run's plans would write, with the same content (sha1 in the plan's
 * `write` step, as `--check -v` shows it), and the other way round.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import type { TaskResult } from '../../src/core/types.js';
import { renderPlaybook } from '../../src/engine/render.js';
import { runPlaybook } from '../../src/engine/run-playbook.js';
import type { EngineEvent } from '../../src/engine/types.js';
import { loadInventory } from '../../src/inventory/index.js';
import { getModule } from '../../src/modules/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { loadYamlFile } from '../../src/yaml/load.js';
import { RecordingConnection } from '../helpers/recording-connection.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A freshly installed Debian host: no file of the playbook, no package, no unit running. */
function freshHost(name: string): RecordingConnection {
  return new RecordingConnection(
    [
      { match: /^if \[ ! -e /, reply: { stdout: 'absent\n' } },
      { match: 'command -v apt-get', reply: { stdout: 'apt\n' } },
      { match: 'dpkg-query', reply: { rc: 1 } },
      { match: 'apt-cache policy', reply: { stdout: '  Installed: (none)\n  Candidate: 1.0\n' } },
      // read-only commands that run in check mode too (check_mode: false): nothing runs yet
      { match: 'systemctl is-active', reply: { rc: 3, stdout: 'inactive\n' } },
      { match: 'systemctl show', reply: { stdout: 'LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n' } },
      { match: /^for f in/, reply: { rc: 1 } },
      { match: 'sysctl -n -e', reply: { stdout: '0\n' } },
      // the user module's read of an account that does not exist yet
      { match: /^echo "passwd=/, reply: { stdout: 'passwd=\n' } },
    ],
    name,
  );
}

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

/** host:dest -> sha1 from the plans' write steps in check-mode results (loop items too) */
function plannedWrites(events: EngineEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (host: string, r: TaskResult): void => {
    for (const line of (r.plan as string[] | undefined) ?? []) {
      const m = /^write (\S+) \(\d+ bytes, sha1 ([0-9a-f]{40})/.exec(line);
      if (m?.[1] && m[2]) out.set(`${host}:${m[1]}`, m[2]);
    }
    for (const item of r.results ?? []) visit(host, item);
  };
  for (const e of events) if (e.type === 'host.result') visit(e.host, e.result);
  return out;
}

describe.each(['hapb', 'tutorial'])('profile %s on the seed inventory', (profile) => {
  const inventory = loadInventory(join(root, 'inventory', 'seed.yml'));
  const extraVars = loadYamlFile<Record<string, unknown>>(join(root, 'profiles', `${profile}.yml`)).value;
  const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });

  it('render and run --check agree on every file', async () => {
    const rendered = await renderPlaybook({ playbook, inventory, extraVars });
    const fromRender = new Map(rendered.map((f) => [`${f.host}:${f.dest}`, sha1(f.content)]));

    const events: EngineEvent[] = [];
    const hosts: RecordingConnection[] = [];
    const outcome = await runPlaybook({
      playbook,
      inventory,
      extraVars,
      modules: { get: getModule },
      connect: (name) => {
        const c = freshHost(name);
        hosts.push(c);
        return c;
      },
      check: true,
      listeners: [(e) => events.push(e)],
    });
    const failed = events.filter((e) => e.type === 'host.result' && e.result.failed === true);
    expect(outcome.exitCode, JSON.stringify(failed.slice(0, 3))).toBe(0);
    // check mode only read the hosts
    expect(hosts.flatMap((h) => h.puts)).toEqual([]);
    expect(hosts.flatMap((h) => h.commands).filter((c) => /^(mv|cp|rm|chmod|chown|systemctl (start|restart|reload|enable)|apt-get|sysctl -q)\b/.test(c))).toEqual([]);

    const fromCheck = plannedWrites(events);
    // every host of the seed gets files (the goldens hold 22 for hapb, 8 for tutorial)
    expect(new Set(rendered.map((f) => f.host))).toEqual(new Set(['backup', 'master', 'web1', 'web2']));
    expect([...fromCheck.keys()].sort()).toEqual([...fromRender.keys()].sort());
    for (const [key, sum] of fromRender) expect(fromCheck.get(key), key).toBe(sum);
  });
});
