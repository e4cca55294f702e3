/** The hapb command tree: thin; each command lives in its own file. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ExitCode, HapbError, errorMessage } from '../errors/index.js';
import { guardPipes } from '../output/pipes.js';
import { maskProcessOutput } from '../output/masked-streams.js';
import { runSecrets } from '../secrets/registry.js';
import { registerCompletion } from './completion.js';
import { registerDrillCommands } from './drill.js';
import { registerLabCommands } from './lab.js';
import { registerInventory } from './inventory.js';
import { registerRender } from './render.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';
import { registerVault } from './vault.js';

export function buildProgram(): Command {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('hapb')
    .description('a highly available web front: converge it (run), practise on real machines (lab), prove it (drill)')
    .version(pkg.version)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  program.addHelpText('after', `
Examples:
  hapb run playbooks/site.yml -i inventory/prod.yml --check --diff
  hapb render playbooks/site.yml -i inventory/seed.yml -o out/render
  hapb inventory -i inventory/seed.yml --list
  hapb lab up && hapb drill all --profile both`);
  registerRun(program);
  registerRender(program);
  registerInventory(program);
  registerStatus(program);
  registerLabCommands(program);
  registerDrillCommands(program);
  registerVault(program);
  registerCompletion(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  guardPipes();
  const program = buildProgram();
  const unmask = maskProcessOutput(runSecrets);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : ExitCode.usage;
    }
    if (err instanceof HapbError) {
      process.stderr.write(`ERROR: ${err.format()}\n`);
      return err.exitCode;
    }
    process.stderr.write(`ERROR: ${errorMessage(err)}\n${err instanceof Error && process.env.HAPB_DEBUG ? (err.stack ?? '') + '\n' : ''}`);
    return ExitCode.error;
  } finally {
    unmask();
  }
}

