/** `hapb run PLAYBOOK`: converge hosts. */
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ansibleConfig } from '../config/index.js';
import { createConnection } from '../connection/index.js';
import type { ConnectionFactory } from '../connection/types.js';
import { runPlaybook } from '../engine/run-playbook.js';
import type { EventListener } from '../engine/types.js';
import { ExitCode, InputErrors } from '../errors/index.js';
import { preflightTemplates } from '../engine/preflight.js';
import { gatherFacts } from '../facts/gather.js';
import { getModule } from '../modules/index.js';
import { banner, bannerWidth, formatRecap } from '../output/ansible.js';
import { jsonCollector } from '../output/json.js';
import { stdoutClosed } from '../output/pipes.js';
import { plainListener } from '../output/plain.js';
import { progressDisplay } from '../output/progress.js';
import { playbookListing } from '../output/playbook-lists.js';
import { splitTags } from '../playbook/tags.js';
import { flagConnections, type ConnectionFlags } from './connection-flags.js';
import { loadInputs } from './load-inputs.js';
import { askHidden, collect } from './util.js';
import { addVaultOptions, setupRunVault, type VaultFlags } from './vault.js';

interface RunFlags extends ConnectionFlags, VaultFlags {
  inventory: string[];
  check?: boolean;
  diff?: boolean;
  limit?: string;
  extraVars: string[];
  forks: number;
  verbose: number;
  syntaxCheck?: boolean;
  output?: string;
  tags: string[];
  skipTags: string[];
  listHosts?: boolean;
  listTasks?: boolean;
  listTags?: boolean;
  startAtTask?: string;
  acceptNewHostKeys?: boolean;
  askBecomePass?: boolean;
  timeout: string;
  progress?: boolean;
  knownHosts?: string;
  sshConfig?: string;
}

export function registerRun(program: Command): void {
  const cmd = program.command('run');
  addVaultOptions(cmd)
    .description('converge the hosts of an inventory with a playbook')
    .argument('<playbook>', 'playbook file, e.g. playbooks/site.yml')
    .option('-i, --inventory <source>', 'inventory file, directory or host list (repeatable, merged in order; default: $HAPB_INVENTORY, else the running lab)', collect, [])
    .option('-C, --check', 'dry run: report what would change, change nothing')
    .option('-D, --diff', 'show the differences of changed files')
    .option('-l, --limit <pattern>', "limit to hosts/groups: 'backup', 'directors:!master', 'web*'")
    .option('-e, --extra-vars <vars>', 'KEY=VALUE, a JSON/YAML mapping, or @FILE (repeatable)', collect, [])
    .option('-f, --forks <n>', 'hosts worked on in parallel', parseForks, 5)
    .option('-t, --tags <tags>', "only tasks with these tags (comma-separated, repeatable; also all, tagged, untagged)", collect, [])
    .option('--skip-tags <tags>', 'skip tasks with these tags (comma-separated, repeatable; also tagged, untagged)', collect, [])
    .option('--start-at-task <name>', 'start at the first task with this name (a glob; role tasks also as "role : name")')
    .option('--list-hosts', "print the hosts each play would run on (ansible-playbook's text), connect to none")
    .option('--list-tasks', 'print the tasks each play would run, with their tags')
    .option('--list-tags', 'print the tags of each play')
    .option('-u, --user <user>', 'connect as this user where no ansible_user is set')
    .option('--private-key, --key-file <file>', 'SSH key where no ansible_ssh_private_key_file is set')
    .option('-c, --connection <type>', 'connection type (ssh, local) where no ansible_connection is set')
    .option('-b, --become', 'run with sudo in plays that do not set become')
    .option('--become-user <user>', 'sudo to this user (default root) in plays that do not set become_user')
    .option('-v, --verbose', 'print each result in full (repeat for more)', (_v: string, n: number) => n + 1, 0)
    .option('--syntax-check', 'load and validate inventory, playbook and roles; change nothing')
    .addOption(new Option('-o, --output <format>', "'json': Ansible's json callback document on stdout (the log goes to stderr)").choices(['json']))
    .option('--accept-new-host-keys', 'record host keys of hosts not yet in known_hosts (like OpenSSH accept-new)')
    .option('-K, --ask-become-pass', 'ask for the sudo password')
    .option('-T, --timeout <seconds>', 'SSH connection timeout', '10')
    .option('--known-hosts <file>', 'known_hosts file to check host keys against (default ~/.ssh/known_hosts)')
    .option('--ssh-config <file>', 'ssh config file (default ~/.ssh/config)')
    .option('--progress', "a live progress display instead of Ansible's lines (a terminal with a size only)")
    .option('--no-progress', "Ansible's lines (the default)")
    .addHelpText(
      'after',
      `
Examples:
  hapb run playbooks/site.yml -i inventory/prod.yml
  hapb run playbooks/site.yml -i inventory/prod.yml --check --diff
  hapb run playbooks/site.yml -i inventory/prod.yml --limit backup
  hapb run playbooks/site.yml -i inventory/prod.yml -e @profiles/tutorial.yml
  hapb run playbooks/site.yml -i inventory/seed.yml --syntax-check
  hapb run site.yml -i hosts.ini -i 'extra1,extra2,' --list-hosts
  hapb run site.yml -i 'localhost,' -c local --tags tagged --skip-tags never

Exit codes (Ansible's): 0 ok, 1 an error, 2 a host failed or a command line that does
not parse, 4 a host unreachable or a file that does not parse, 5 options that cannot be used.`,
    )
    .action(async (playbookPath: string, flags: RunFlags, cmd: Command) => {
      process.exitCode = await runCommand(playbookPath, withConfigDefaults(flags, cmd));
    });
}

/**
 * ansible.cfg (and ANSIBLE_*) settings for the flags left at their defaults:
 * forks, timeout, [diff] always, become_ask_pass, host_key_checking (False
 * records unknown host keys; hapb never accepts a changed one).
 */
function withConfigDefaults(flags: RunFlags, cmd: Command): RunFlags {
  const cfg = ansibleConfig();
  const unset = (name: string): boolean => cmd.getOptionValueSource(name) === undefined || cmd.getOptionValueSource(name) === 'default';
  return {
    ...flags,
    ...(unset('forks') ? { forks: cfg.forks } : {}),
    ...(unset('timeout') ? { timeout: String(cfg.timeout) } : {}),
    ...(unset('diff') && cfg.diffAlways ? { diff: true } : {}),
    ...(unset('askBecomePass') && cfg.becomeAskPass ? { askBecomePass: true } : {}),
    ...(unset('acceptNewHostKeys') && !cfg.hostKeyChecking ? { acceptNewHostKeys: true } : {}),
  };
}

/** remote_user and private_key_file of ansible.cfg: below the host's own ansible_user / key variables, as in Ansible */
export const connectWithConfig: ConnectionFactory = (host, vars, opts) => {
  const cfg = ansibleConfig();
  const defaults: Record<string, unknown> = {};
  if (cfg.remoteUser !== undefined && vars.ansible_user === undefined && vars.ansible_ssh_user === undefined) defaults.ansible_user = cfg.remoteUser;
  if (cfg.privateKeyFile !== undefined && vars.ansible_ssh_private_key_file === undefined && vars.ansible_private_key_file === undefined) {
    defaults.ansible_ssh_private_key_file = cfg.privateKeyFile;
  }
  return createConnection(host, Object.keys(defaults).length ? { ...vars, ...defaults } : vars, opts);
};

function parseForks(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`must be a whole number >= 1, got '${value}'`);
  return n;
}

/** Ansible colours its output on a terminal unless ANSIBLE_NOCOLOR / NO_COLOR; ANSIBLE_FORCE_COLOR forces them */
function wantsColor(stream: NodeJS.WriteStream): boolean {
  const env = process.env;
  const on = (v: string | undefined): boolean => v !== undefined && v !== '' && !['0', 'false', 'no', 'off'].includes(v.toLowerCase());
  if (on(env.ANSIBLE_FORCE_COLOR)) return true;
  if (on(env.ANSIBLE_NOCOLOR) || env.NO_COLOR !== undefined) return false;
  return Boolean(stream.isTTY);
}

async function runCommand(playbookPath: string, flags: RunFlags): Promise<number> {
  const json = flags.output === 'json';
  await setupRunVault(flags);
  const inputs = loadInputs(playbookPath, flags.inventory, flags.extraVars, flags);
  for (const w of inputs.warnings) process.stderr.write(`[WARNING]: ${w}\n`);
  const tags = splitTags(flags.tags);
  const skipTags = splitTags(flags.skipTags);
  if (flags.listHosts || flags.listTasks || flags.listTags) {
    process.stdout.write(
      playbookListing(inputs.playbook, inputs.inventory, {
        path: playbookPath,
        hosts: Boolean(flags.listHosts),
        tasks: Boolean(flags.listTasks),
        tags: Boolean(flags.listTags),
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        onlyTags: tags,
        skipTags,
      }),
    );
    return ExitCode.ok;
  }
  const templateErrors = await preflightTemplates({ playbook: inputs.playbook, inventory: inputs.inventory, extraVars: inputs.extraVars, ...(flags.limit !== undefined ? { limit: flags.limit } : {}) });
  if (templateErrors.length === 1) throw templateErrors[0];
  if (templateErrors.length > 1) throw new InputErrors(templateErrors);
  if (flags.syntaxCheck) {
    process.stdout.write(`playbook: ${inputs.playbook.file}: syntax ok (${inputs.playbook.plays.length} plays, ${inputs.inventory.hosts.size} hosts)\n`);
    return ExitCode.ok;
  }
  const forks = flags.forks;
  const becomePassword = flags.askBecomePass ? await askHidden('BECOME password: ') : undefined;
  const logStream = json ? process.stderr : process.stdout;
  // a terminal without a size (script -c ... /dev/null: 0x0) gets plain lines
  const sized = Boolean(process.stdout.isTTY) && (process.stdout.columns ?? 0) > 0;
  const useProgress = flags.progress === true && !json && sized && flags.verbose === 0;
  const progress = useProgress ? progressDisplay({ out: process.stdout, diff: Boolean(flags.diff) }) : undefined;
  const collector = json ? jsonCollector() : undefined;
  const listeners: EventListener[] = [
    progress
      ? progress.listener
      : plainListener({
          out: logStream,
          err: process.stderr,
          verbosity: flags.verbose,
          diff: Boolean(flags.diff),
          color: wantsColor(logStream),
          width: bannerWidth(logStream.isTTY ? logStream.columns : undefined),
          playCount: inputs.playbook.plays.length,
          cliArgs: { args: [playbookPath], ...flags },
        }),
  ];
  if (collector) listeners.push(collector.listener);
  const outcome = await runPlaybook({
    playbook: inputs.playbook,
    inventory: inputs.inventory,
    modules: { get: getModule },
    connect: flagConnections(connectWithConfig, flags),
    connectionOptions: {
      timeoutMs: Number(flags.timeout) * 1000,
      ...(flags.acceptNewHostKeys ? { acceptNewHostKeys: true } : {}),
      ...(becomePassword !== undefined ? { becomePassword } : {}),
      ...(flags.knownHosts ? { knownHostsFile: resolve(flags.knownHosts) } : {}),
      ...(flags.sshConfig ? { sshConfigFile: resolve(flags.sshConfig) } : {}),
    },
    gatherFacts,
    extraVars: inputs.extraVars,
    check: Boolean(flags.check),
    diff: Boolean(flags.diff),
    ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
    forks,
    ...(tags.length > 0 ? { tags } : {}),
    ...(skipTags.length > 0 ? { skipTags } : {}),
    ...(flags.startAtTask !== undefined ? { startAtTask: flags.startAtTask } : {}),
    listeners,
  });
  await progress?.done();
  if (await stdoutClosed()) {
    // the reader of stdout went away (| head): the recap still reaches the operator, on stderr
    if (!json) process.stderr.write(banner('PLAY RECAP') + formatRecap(outcome.recap));
    return outcome.exitCode;
  }
  if (collector) process.stdout.write(collector.text() + '\n');
  return outcome.exitCode;
}
