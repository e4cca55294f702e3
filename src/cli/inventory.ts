/** `hapb inventory`: the resolved inventory as JSON, like ansible-inventory. */
import type { Command } from 'commander';
import { inventoryHost, inventoryList, loadInventory } from '../inventory/index.js';
import { ExitCode, HapbError } from '../errors/index.js';
import { requireInventory } from './load-inputs.js';

export function registerInventory(program: Command): void {
  program
    .command('inventory')
    .description('show the resolved hosts, groups and variables as JSON (like ansible-inventory)')
    .option('-i, --inventory <path>', 'inventory file (default: $HAPB_INVENTORY)')
    .option('--list', 'every group and host with its variables')
    .option('--host <name>', "one host's resolved variables")
    .addHelpText('after', `
Examples:
  hapb inventory -i inventory/seed.yml --list
  hapb inventory -i inventory/seed.yml --host master`)
    .action((flags: { inventory?: string; list?: boolean; host?: string }) => {
      if (Boolean(flags.list) === Boolean(flags.host)) {
        throw new HapbError('give exactly one of --list or --host NAME', { exitCode: ExitCode.invalidInput });
      }
      const inv = loadInventory(requireInventory(flags.inventory));
      const data = flags.host ? inventoryHost(inv, flags.host) : inventoryList(inv);
      process.stdout.write(JSON.stringify(data, null, 2) + '\n');
    });
}
