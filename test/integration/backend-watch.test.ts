/**
 * hapb-backend-watch (role nginx_director, profile hapb): the rendered watcher
 * runs in a director namespace against a backend namespace with Debian's nginx
 * (src/drill/testbed.ts). A connection the director holds to the backend (as
 * nginx holds one per request it sent there) is destroyed once the backend
 * stops answering (black hole: every packet dropped in the backend's
 * namespace), so nginx would get an error and retry the request elsewhere at
 * once; while the backend answers, however slowly its application, the
 * connection is left alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import { Testbed } from '../../src/drill/testbed.js';
import { renderPlaybook } from '../../src/engine/render.js';
import type { Vars } from '../../src/engine/types.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { loadYamlFile } from '../../src/yaml/load.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bed = new Testbed(`hapb-t-bw-${process.pid}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];

async function rendered(dest: string): Promise<string> {
  const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });
  const inventory = loadInventory(join(root, 'inventory', 'seed.yml'));
  const extraVars = loadYamlFile<Vars>(join(root, 'profiles', 'hapb.yml')).value;
  const f = (await renderPlaybook({ playbook, inventory, extraVars })).find((x) => x.host === 'master' && x.dest === dest);
  if (!f) throw new Error(`${dest} not rendered`);
  return f.content;
}

/** a connection from the director to the backend's nginx with a request that never ends: open until someone closes it */
const holdJs = (addr: string): string => `
const s = require('node:net').connect(80, '${addr}');
s.on('connect', () => { process.stdout.write('connected\\n'); s.write('GET / HTTP/1.1\\r\\nHost: x\\r\\n'); });
s.on('error', (e) => { process.stdout.write('error:' + e.code + '\\n'); process.exit(0); });
s.on('close', () => { process.stdout.write('closed\\n'); process.exit(0); });
`;

function hold(): { out: () => string } {
  const child = spawn('ip', ['netns', 'exec', bed.nsClient, process.execPath, '-e', holdJs(bed.serverAddr)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return { out: () => out };
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (let t = 0; t < ms && !cond(); t += 10) await sleep(10);
  return cond();
}

describe.skipIf(!canUseNamespaces || !hasCommand('nginx') || !hasCommand('perl'))('backend watcher (real kernel, the rendered script)', () => {
  beforeAll(async () => {
    await bed.create();
    await bed.startNginx('web1');
    const unit = await rendered('/etc/systemd/system/hapb-backend-watch.service');
    const exec = /^ExecStart=\/usr\/bin\/perl \S+ (\d+) (\d+) (\d+) /m.exec(unit);
    if (!exec) throw new Error(`no ExecStart in ${unit}`);
    const script = join(bed.tmp, 'hapb-backend-watch');
    writeFileSync(script, await rendered('/usr/local/sbin/hapb-backend-watch'));
    // the profile's interval, timeout and port, against this testbed's backend
    const w = spawn('ip', ['netns', 'exec', bed.nsClient, 'perl', script, exec[1] ?? '', exec[2] ?? '', exec[3] ?? '', bed.serverAddr], { stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(w);
    await sleep(300);
  }, 60_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await bed.destroy();
  });

  it('leaves a connection to a backend that answers alone', async () => {
    const h = hold();
    expect(await until(() => h.out().includes('connected'), 5000)).toBe(true);
    // many watcher rounds (50 ms each): the backend answers every connect
    await sleep(1000);
    expect(h.out()).toBe('connected\n');
  });

  it('destroys the connections to a backend that stops answering', async () => {
    const h = hold();
    expect(await until(() => h.out().includes('connected'), 5000)).toBe(true);
    // black hole: the backend's namespace drops everything it receives
    bed.inServer(['sh', '-c', 'printf "table ip t_bh {\\n chain in {\\n  type filter hook input priority 0; policy drop;\\n }\\n}\\n" | nft -f -']);
    try {
      // aborted by the director's own kernel (ss -K): the client sees an error, not a close from the backend
      expect(await until(() => /error:|closed/.test(h.out()), 3000)).toBe(true);
      expect(h.out()).toMatch(/^error:ECONNABORTED$/m);
    } finally {
      bed.inServer(['nft', 'delete', 'table', 'ip', 't_bh']);
    }
  });
});
