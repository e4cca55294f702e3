/**
 * Golden files of every file `hapb render` gives for site.yml on the
 * active-active inventory (3 directors, 2 VIPs, 6 backends), profile hapb:
 * test/golden/active-active/<host><dest>. Rewrite them with UPDATE_GOLDEN=1.
 * (The seed's goldens, test/golden/roles, prove the one-VIP files unchanged.)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import { renderPlaybook } from '../../src/engine/render.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'test', 'golden', 'active-active');
const update = process.env.UPDATE_GOLDEN === '1';

function listFiles(d: string): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(d, join(e.parentPath, e.name)))
    .sort();
}

const inventory = loadInventory(join(root, 'inventory', 'active-active.yml'));
const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });
const files = await renderPlaybook({ playbook, inventory, extraVars: {} });
const rendered = files.map((f) => ({ path: join(f.host, f.dest), content: f.content })).sort((a, b) => a.path.localeCompare(b.path));

describe('golden files of the active-active inventory (profile hapb)', () => {
  if (update) {
    rmSync(dir, { recursive: true, force: true });
    for (const f of rendered) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.content);
    }
  }

  it('renders exactly the files that have goldens', () => {
    expect(rendered.map((f) => f.path)).toEqual(listFiles(dir));
  });

  it.each(rendered.map((f) => [f.path, f.content] as const))('%s', (path, content) => {
    expect(content).toBe(readFileSync(join(dir, path), 'utf8'));
  });

  it('each director runs one instance per VIP it has a priority for, with its own priority', () => {
    const conf = (h: string): string => rendered.find((f) => f.path === `${h}/etc/keepalived/keepalived.conf`)?.content ?? '';
    const instances = (h: string): [string, string][] => [...conf(h).matchAll(/virtual_router_id (\d+)[\s\S]*?priority (\d+)/g)].map((m) => [m[1] ?? '', m[2] ?? '']);
    expect(instances('lb1')).toEqual([['51', '150'], ['52', '50']]);
    expect(instances('lb2')).toEqual([['51', '50'], ['52', '150']]);
    expect(instances('lb3')).toEqual([['51', '100'], ['52', '100']]);
  });
});
