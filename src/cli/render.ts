/** `hapb render`: write every file the playbook would write, per host, without connecting. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { renderPlaybook } from '../engine/render.js';
import { ExitCode, HapbError } from '../errors/index.js';
import { loadInputs } from './load-inputs.js';
import { collect } from './util.js';

interface RenderFlags {
  inventory?: string;
  output: string;
  limit?: string;
  extraVars: string[];
}

export function registerRender(program: Command): void {
  program
    .command('render')
    .description('render every template and copy of a playbook for every host into DIR/HOST/<dest>, connecting to no host')
    .argument('<playbook>', 'playbook file')
    .option('-i, --inventory <path>', 'inventory file (default: $HAPB_INVENTORY)')
    .requiredOption('-o, --output <dir>', 'output directory (replaced as a whole)')
    .option('-l, --limit <pattern>', 'only these hosts')
    .option('-e, --extra-vars <vars>', 'KEY=VALUE, mapping, or @FILE (repeatable)', collect, [])
    .addHelpText('after', `
Examples:
  hapb render playbooks/site.yml -i inventory/seed.yml -o out/hapb
  hapb render playbooks/site.yml -i inventory/seed.yml -e @profiles/tutorial.yml -o out/tutorial`)
    .action(async (playbook: string, flags: RenderFlags) => {
      const inputs = loadInputs(playbook, flags.inventory, flags.extraVars);
      for (const w of inputs.warnings) process.stderr.write(`[WARNING]: ${w}\n`);
      const files = await renderPlaybook({
        playbook: inputs.playbook,
        inventory: inputs.inventory,
        extraVars: inputs.extraVars,
        ...(flags.limit ? { limit: flags.limit } : {}),
        warn: (m) => process.stderr.write(`[WARNING]: ${m}\n`),
      });
      const out = resolve(flags.output);
      if (out === '/' ) throw new HapbError('refusing to render into /', { exitCode: ExitCode.invalidInput });
      // Write into a fresh sibling directory, then swap: never a half-written output.
      const tmp = `${out}.hapb-tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      try {
        for (const f of files) {
          const path = join(tmp, f.host, f.dest);
          if (!path.startsWith(tmp + '/')) throw new HapbError(`destination ${f.dest} of ${f.host} escapes the output directory`);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, f.content);
        }
        mkdirSync(tmp, { recursive: true });
        rmSync(out, { recursive: true, force: true });
        mkdirSync(dirname(out), { recursive: true });
        renameSync(tmp, out);
      } catch (err) {
        rmSync(tmp, { recursive: true, force: true });
        throw err;
      }
      for (const f of files) process.stdout.write(`${join(flags.output, f.host, f.dest)}\n`);
      process.stderr.write(`rendered ${files.length} files for ${new Set(files.map((f) => f.host)).size} hosts into ${flags.output}\n`);
    });
}
