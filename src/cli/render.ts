/** `hapb render`: write every file the playbook would write, per host, without connecting. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { renderPlaybook } from '../engine/render.js';
import { checkRenderDir, writeRenderDir } from '../output/render-dir.js';
import { loadInputs, requireInventory } from './load-inputs.js';
import { collect } from './util.js';
import { addVaultOptions, setupRunVault, type VaultFlags } from './vault.js';

interface RenderFlags extends VaultFlags {
  inventory: string[];
  output: string;
  force?: boolean;
  limit?: string;
  extraVars: string[];
}

export function registerRender(program: Command): void {
  const cmd = program.command('render');
  addVaultOptions(cmd)
    .description('render every template and copy of a playbook for every host into DIR/HOST/<dest>, connecting to no host')
    .argument('<playbook>', 'playbook file')
    .option('-i, --inventory <source>', 'inventory file, directory or host list (repeatable, merged in order; default: $HAPB_INVENTORY, else the running lab)', collect, [])
    .requiredOption('-o, --output <dir>', 'output directory: new, empty, or written by an earlier hapb render (replaced as a whole)')
    .option('--force', 'replace the output directory even if hapb render did not write it')
    .option('-l, --limit <pattern>', 'only these hosts')
    .option('-e, --extra-vars <vars>', 'KEY=VALUE, mapping, or @FILE (repeatable)', collect, [])
    .addHelpText('after', `
Examples:
  hapb render playbooks/site.yml -i inventory/seed.yml -o out/hapb
  hapb render playbooks/site.yml -i inventory/seed.yml -e @profiles/tutorial.yml -o out/tutorial`)
    .action(async (playbook: string, flags: RenderFlags) => {
      await setupRunVault(flags);
      // refuse a bad output directory before the work of rendering
      checkRenderDir(flags.output, { force: Boolean(flags.force), inputs: [playbook, ...requireInventory(flags.inventory)] });
      const inputs = loadInputs(playbook, flags.inventory, flags.extraVars);
      for (const w of inputs.warnings) process.stderr.write(`[WARNING]: ${w}\n`);
      const files = await renderPlaybook({
        playbook: inputs.playbook,
        inventory: inputs.inventory,
        extraVars: inputs.extraVars,
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        warn: (m) => process.stderr.write(`[WARNING]: ${m}\n`),
      });
      writeRenderDir(
        flags.output,
        files.map((f) => ({ path: join(f.host, f.dest), content: f.content })),
        { force: Boolean(flags.force), inputs: [playbook, ...requireInventory(flags.inventory), ...inputs.playbook.plays.flatMap((p) => p.roles.map((r) => r.dir))] },
      );
      for (const f of files) process.stdout.write(`${join(flags.output, f.host, f.dest)}\n`);
      process.stderr.write(`rendered ${files.length} files for ${new Set(files.map((f) => f.host)).size} hosts into ${flags.output}\n`);
    });
}
