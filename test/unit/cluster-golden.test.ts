/**
 * Golden files of every file `hapb render` gives for site.yml on the seed
 * inventory (renderPlaybook), for both profiles, per host:
 * test/golden/roles/<profile>/<host><dest>. Rewrite them with UPDATE_GOLDEN=1.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import { renderPlaybook, type RenderedFile } from '../../src/engine/render.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { loadYamlFile } from '../../src/yaml/load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const goldenDir = join(root, 'test', 'golden', 'roles');
const update = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

async function render(profile: string): Promise<RenderedFile[]> {
  const inventory = loadInventory(join(root, 'inventory', 'seed.yml'));
  const extraVars = loadYamlFile<Record<string, unknown>>(join(root, 'profiles', `${profile}.yml`)).value;
  const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });
  return renderPlaybook({ playbook, inventory, extraVars });
}

const renders = { hapb: await render('hapb'), tutorial: await render('tutorial') };

describe.each(['hapb', 'tutorial'] as const)('golden files of profile %s', (profile) => {
  const files = renders[profile];
  const dir = join(goldenDir, profile);
  const rendered = files.map((f) => ({ path: join(f.host, f.dest), content: f.content })).sort((a, b) => a.path.localeCompare(b.path));

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
});
