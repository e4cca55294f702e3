/** `hapb inventory`: the resolved inventory, printed as ansible-inventory prints it. */
import type { Command } from 'commander';
import { dumpYaml, formatInventoryJson, inventoryGraph, inventoryHost, inventoryList, inventoryYamlTree, loadInventory } from '../inventory/index.js';
import { ExitCode, HapbError } from '../errors/index.js';
import { requireInventory } from './load-inputs.js';
import { collect } from './util.js';
import { addVaultOptions, setupRunVault, type VaultFlags } from './vault.js';

interface InventoryFlags extends VaultFlags {
  inventory: string[];
  list?: boolean;
  host?: string;
  graph?: boolean;
  vars?: boolean;
  yaml?: boolean;
  export?: boolean;
}

export function registerInventory(program: Command): void {
  const cmd = program.command('inventory');
  addVaultOptions(cmd)
    .description('show the resolved hosts, groups and variables (like ansible-inventory)')
    .argument('[group]', 'with --graph: the group to start from (default all)')
    .option('-i, --inventory <source>', 'inventory file, directory or host list (repeatable, merged in order; default: $HAPB_INVENTORY, else the running lab)', collect, [])
    .option('--list', 'every group and host with its variables')
    .option('--host <name>', "one host's resolved variables")
    .option('--graph', 'the group tree, as ansible-inventory --graph')
    .option('--vars', 'with --graph: show the variables of hosts and groups')
    .option('-y, --yaml', 'YAML instead of JSON (--list and --host)')
    .option('--export', "with --list: groups carry their own vars, hosts only theirs (for export)")
    .addHelpText('after', `
Examples:
  hapb inventory -i inventory/seed.yml --list
  hapb inventory -i inventory/seed.yml --host master
  hapb inventory -i hosts.ini --graph web --vars
  hapb inventory -i hosts.ini -i extra.yml --list -y    # merged, as YAML`)
    .action(async (group: string | undefined, flags: InventoryFlags) => {
      const actions = [flags.list, flags.host !== undefined, flags.graph].filter(Boolean).length;
      if (actions !== 1) {
        throw new HapbError(actions === 0 ? 'no action selected: give one of --list, --host NAME or --graph' : 'give only one of --list, --host NAME or --graph', { exitCode: ExitCode.badOption });
      }
      await setupRunVault(flags);
      const inv = loadInventory(requireInventory(flags.inventory));
      for (const w of inv.warnings ?? []) process.stderr.write(`[WARNING]: ${w}\n`);
      let text: string;
      if (flags.graph) text = inventoryGraph(inv, group ?? 'all', { vars: Boolean(flags.vars) });
      else {
        const data = flags.host !== undefined ? inventoryHost(inv, flags.host) : flags.yaml ? inventoryYamlTree(inv, { export: Boolean(flags.export) }) : inventoryList(inv, { export: Boolean(flags.export) });
        text = flags.yaml ? dumpYaml(data) : formatInventoryJson(data);
      }
      process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    });
}
