/**
 * `hapb lab ...`: the lab's verbs. The converge runs this build's `hapb run`
 * as a child process (src/lab/converge.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { Listr } from 'listr2';
import {
  cut,
  DEFAULT_INVENTORY,
  DEFAULT_LAB,
  DEFAULT_PLAYBOOK,
  ensureImage,
  execIn,
  heal,
  labDown,
  labInventoryPath,
  labKeyPath,
  labKnownHostsPath,
  labStatus,
  labUp,
  listLabs,
  labsOnImage,
  loadLab,
  partition,
  poweroff,
  poweron,
  PROFILES,
  proxyArgv,
  proxyCommand,
  uncut,
  waitSettled,
  requireHostTools,
  LAB_TOOLS,
  IMAGE_TOOLS,
  recipeHash,
  type LabStatus,
  type Profile,
} from '../lab/index.js';
import { convergeLab } from '../lab/up.js';
import { cliConverge } from '../lab/converge.js';
import { run } from '../lab/run.js';
import { usageError } from '../lab/errors.js';
import { machineOf } from '../lab/state.js';
import { imageReady, labRecipe } from '../lab/image.js';
import { ansibleConverge } from '../lab/ansible-converge.js';
import { startMonitor } from '../lab/monitor.js';

/** who converges: this build's `hapb run`, or real `ansible-playbook` (machines need --python) */
type Engine = 'hapb' | 'ansible';
const engineOption = (): Option =>
  new Option('--engine <engine>', 'converge with hapb, or with real ansible-playbook (the machines need Python: lab up --python)').choices(['hapb', 'ansible']).default('hapb');

const nameOption = (): Option =>
  new Option('-n, --name <lab>', 'lab name').env('HAPB_LAB').default(DEFAULT_LAB);

/** `-o json` as everywhere else in hapb */
const outputOption = (): Option => new Option('-o, --output <format>', "'json' for a machine to read").choices(['text', 'json']).default('text');

function example(cmd: Command, text: string): Command {
  return cmd.addHelpText('after', `\nExample:\n  ${text}`);
}

export function registerLabCommands(program: Command): Command {
  const lab = program
    .command('lab')
    .description('the HA cluster as real lightweight machines on this box (systemd-nspawn, sealed network; root)');
  lab.addHelpText(
    'after',
    `
Examples:
  hapb lab up                          # boot inventory/seed.yml's hosts and converge them
  hapb lab exec client -- curl -s http://192.168.0.150/
  hapb lab exec master -- killall nginx
  hapb lab status                      # which director holds the VIP now
  hapb lab down`,
  );

  example(
    lab
      .command('up')
      .description('boot one machine per inventory host on a sealed switch, then converge them over SSH')
      .option('-i, --inventory <file>', `inventory (default: ${DEFAULT_INVENTORY})`)
      .addOption(nameOption())
      .addOption(new Option('--profile <profile>', 'configuration profile').choices(PROFILES).default('hapb'))
      .option('--playbook <file>', 'playbook of the converge', DEFAULT_PLAYBOOK)
      .option('--rebuild', 'build the machine image again even when cached')
      .option('--python', 'machines with Python (python3, python3-apt) so real ansible-playbook can manage them (its own cached image)')
      .option('--ipv6', 'IPv6 too: each machine gets fd00::<its IPv4 numbers> (or its ipv6_address), the directors an IPv6 VIP, nginx listens and proxies over IPv6')
      .option('--monitor', "Debian's nginx and node exporters and mtail on every director and backend, Prometheus on the client with hapb's recording rules (its own cached image)")
      .addOption(engineOption())
      .option('--no-converge', 'only boot the machines'),
    'hapb lab up -i inventory/seed.yml --name demo --profile tutorial\n  hapb lab up --name demo --python --engine ansible   # converged by ansible-playbook\n  hapb lab up --name demo --ipv6                       # dual-stack: drill it with hapb drill --ipv6\n  hapb lab up --name demo --monitor                    # with exporters and Prometheus on the client',
  ).action(async (o: { inventory?: string; name: string; profile: Profile; playbook: string; rebuild?: boolean; python?: boolean; ipv6?: boolean; monitor?: boolean; engine: Engine; converge: boolean }) => {
    const started = Date.now();
    if (o.engine === 'ansible' && !o.python && o.converge) {
      throw usageError('--engine ansible needs machines with Python', 'add --python');
    }
    const recipe = labRecipe({ python: o.python ?? false, monitor: o.monitor ?? false });
    // before anything is made: the programs the lab runs (and debootstrap when the image must be built)
    requireHostTools([...LAB_TOOLS, ...(o.rebuild || !imageReady(recipeHash(recipe)) ? IMAGE_TOOLS : [])]);
    const tty = process.stderr.isTTY === true;
    const log = (line: string): void => {
      if (!tty) process.stderr.write(`lab ${o.name}: ${line}\n`);
    };
    const tasks = new Listr(
      [
        {
          title: 'machine image',
          task: async (_ctx, task): Promise<void> => {
            const img = await ensureImage({
              rebuild: o.rebuild ?? false,
              recipe,
              inUse: labsOnImage,
              onProgress: (l) => {
                task.output = l;
                log(l);
              },
            });
            task.title = `machine image ${img.hash} (${img.built ? 'built' : 'cached'})`;
          },
        },
        {
          title: `lab ${o.name}: switch and machines`,
          task: async (_ctx, task): Promise<void> => {
            const st = await labUp({
              name: o.name,
              ...(o.inventory !== undefined ? { inventory: o.inventory } : {}),
              profile: o.profile,
              python: o.python ?? false,
              ipv6: o.ipv6 ?? false,
              monitor: o.monitor ?? false,
              converge: false,
              onProgress: (l) => {
                task.output = l;
                log(l);
              },
            });
            task.title = `lab ${o.name}: ${st.machines.length} machines running`;
          },
        },
      ],
      { renderer: tty ? 'default' : 'silent', rendererOptions: { collapseSubtasks: false }, exitOnError: true },
    );
    await tasks.run();
    if (o.converge && (await converge(o.name, o.playbook, o.profile, o.engine, true))) await settle(o.name);
    const promUrl = o.monitor ? await startMonitor(o.name, (l) => process.stderr.write(`lab ${o.name}: ${l}\n`)) : undefined;
    process.stderr.write(`lab ${o.name} up in ${((Date.now() - started) / 1000).toFixed(1)} s; inventory: ${labInventoryPath(o.name)}\n`);
    const st = loadLab(o.name);
    const n = o.name === DEFAULT_LAB ? '' : ` --name ${o.name}`;
    const client = st.machines.find((m) => m.groups.includes('clients'))?.host ?? st.machines[0]?.host ?? 'client';
    const vip = st.vips[0];
    const vip6 = st.vips6?.[0];
    process.stderr.write(
      [
        'try:',
        ...(vip ? [`  hapb lab exec${n} ${client} -- curl -s http://${vip}/`] : []),
        ...(vip6 ? [`  hapb lab exec${n} ${client} -- curl -s 'http://[${vip6}]/'`, `  hapb drill${n} --ipv6`] : []),
        ...(promUrl ? [`  hapb lab exec${n} ${client} -- curl -s '${promUrl}/api/v1/query?query=hapb:vip_holder'`] : []),
        `  hapb lab status${n}`,
        `  hapb lab down${n}`,
        '',
      ].join('\n'),
    );
  });

  example(
    lab
      .command('image')
      .description("build the machine image lab up boots (debootstrap; cached, so a later lab up starts at once); prints its hash and folder")
      .option('--python', 'the image of lab up --python')
      .option('--monitor', 'the image of lab up --monitor')
      .option('--rebuild', 'build it again even when cached')
      .option('-o, --output <format>', 'text, or json: {"hash", "path", "built"}', 'text'),
    'hapb lab image                 # before a session offline, or ahead of the tests (scripts/test.sh)\n  hapb lab image --python --monitor',
  ).action(async (o: { python?: boolean; monitor?: boolean; rebuild?: boolean; output: string }) => {
    if (o.output !== 'text' && o.output !== 'json') throw usageError(`-o: expected text or json, got "${o.output}"`, 'use -o json');
    // ensureImage asks for debootstrap only when it has to build
    const img = await ensureImage({
      rebuild: o.rebuild ?? false,
      recipe: labRecipe({ python: o.python ?? false, monitor: o.monitor ?? false }),
      inUse: labsOnImage,
      onProgress: (l) => process.stderr.write(`image: ${l}\n`),
    });
    process.stdout.write(o.output === 'json' ? `${JSON.stringify({ hash: img.hash, path: img.root, built: img.built })}\n` : `${img.hash} ${img.root} (${img.built ? 'built' : 'cached'})\n`);
  });

  /** the converge returns while a master may still wait out its preempt delay: wait for the settled cluster */
  const settle = async (name: string): Promise<void> => {
    const ms = await waitSettled(name, { onProgress: (l) => process.stderr.write(`lab ${name}: ${l}\n`) });
    const vip = loadLab(name).vips[0];
    process.stderr.write(`lab ${name}: settled in ${(ms / 1000).toFixed(1)} s (every service active${vip ? `, VIP ${vip} on its preferred director` : ''})\n`);
  };

  /** false when this build has no engine to converge with */
  const converge = async (name: string, playbook: string, profile: Profile, engine: Engine, fresh = false): Promise<boolean> => {
    const fn = engine === 'ansible' ? ansibleConverge() : cliConverge();
    if (!fn) {
      process.stderr.write(`lab ${name}: no engine in this build; converge yourself:\n  hapb run ${playbook} -i ${labInventoryPath(name)}\n`);
      return false;
    }
    await convergeLab(name, fn, { playbook, profile, fresh });
    return true;
  };

  example(
    lab
      .command('converge')
      .description("run the site playbook on the lab's machines over SSH (again, or with another profile)")
      .addOption(nameOption())
      .addOption(new Option('--profile <profile>', 'configuration profile (default: the lab\'s)').choices(PROFILES))
      .addOption(engineOption())
      .option('--playbook <file>', 'playbook', DEFAULT_PLAYBOOK),
    'hapb lab converge --profile tutorial\n  hapb lab converge --engine ansible    # the same roles by ansible-playbook (lab up --python)',
  ).action(async (o: { name: string; profile?: Profile; playbook: string; engine: Engine }) => {
    if (await converge(o.name, o.playbook, o.profile ?? loadLab(o.name).profile, o.engine)) await settle(o.name);
  });

  example(
    lab
      .command('down')
      .description('stop and remove a lab (also one left behind by a killed process)')
      .addOption(nameOption())
      .option('--all', 'every lab on this box'),
    'hapb lab down --name demo',
  ).action(async (o: { name: string; all?: boolean }) => {
    for (const name of o.all ? listLabs().map((l) => l.name) : [o.name]) {
      const r = await labDown(name);
      process.stdout.write(r.removed ? `lab ${name} removed\n` : `no lab ${name}\n`);
    }
  });

  example(lab.command('list').description('labs on this box').addOption(outputOption()), 'hapb lab list -o json').action(
    (o: { output?: string }) => {
      const labs = listLabs();
      if (o.output === 'json') return void process.stdout.write(JSON.stringify(labs, null, 2) + '\n');
      if (labs.length === 0) return void process.stdout.write('no labs\n');
      for (const l of labs) process.stdout.write(`${l.name.padEnd(20)} ${l.running}/${l.machines} running  ${l.created}\n`);
    },
  );

  example(
    lab.command('status').description('machines, services and who holds each VIP').addOption(nameOption()).addOption(outputOption()),
    'hapb lab status --name demo',
  ).action(async (o: { name: string; output?: string }) => {
    const s = await labStatus(o.name);
    process.stdout.write(o.output === 'json' ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s));
  });

  example(
    lab
      .command('exec')
      .description('run a command inside a machine (its own processes, network and files); exits with its code')
      .addOption(nameOption())
      .argument('<host>')
      .argument('<command...>', 'the command; put -- before it'),
    'hapb lab exec master -- ip -br addr',
  ).action(async (host: string, command: string[], o: { name: string }) => {
    const r = await execIn(o.name, host, command, { stdio: 'inherit' });
    process.exitCode = r.rc ?? 1;
  });

  example(
    lab
      .command('ssh')
      .description('an SSH session to a machine through the lab switch (real OpenSSH, lab-private known_hosts)')
      .addOption(nameOption())
      .argument('<host>')
      .argument('[command...]', 'a command instead of a shell; put -- before it'),
    'hapb lab ssh master',
  ).action(async (host: string, command: string[], o: { name: string }) => {
    const m = machineOf(loadLab(o.name), host);
    const argv = [
      '-o',
      `ProxyCommand=${proxyCommand(o.name, m.address, 22)}`,
      '-o',
      `UserKnownHostsFile=${labKnownHostsPath(o.name)}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-i',
      labKeyPath(o.name),
      ...(command.length === 0 ? ['-t'] : []),
      `root@${m.address}`,
      ...command,
    ];
    process.exitCode = await passthrough('ssh', argv);
  });

  example(
    lab.command('inventory').description('print the inventory `hapb run -i` accepts for this lab').addOption(nameOption()),
    'hapb run -i "$(hapb lab inventory --path)" playbooks/site.yml',
  )
    .option('--path', 'print only its path')
    .action((o: { name: string; path?: boolean }) => {
      loadLab(o.name);
      const file = labInventoryPath(o.name);
      process.stdout.write(o.path ? `${file}\n` : readFileSync(file, 'utf8'));
    });

  example(
    lab
      .command('proxy')
      .description('pipe stdio to HOST:PORT from inside the lab (an SSH ProxyCommand)')
      .addOption(nameOption())
      .argument('<host>', 'inventory name or address')
      .argument('<port>'),
    "ssh -o ProxyCommand='hapb lab proxy %h %p' root@192.168.0.40",
  ).action(async (host: string, port: string, o: { name: string }) => {
    const state = loadLab(o.name);
    const address = state.machines.find((m) => m.host === host)?.address ?? host;
    if (!/^\d+$/.test(port)) throw usageError(`invalid port "${port}"`);
    const [cmd, ...args] = proxyArgv(o.name, address, Number(port));
    process.exitCode = await passthrough(cmd ?? 'ip', args);
  });

  const hostVerb = (verb: string, what: string, fn: (lab: string, host: string) => Promise<unknown>, ex: string): void => {
    example(lab.command(verb).description(what).addOption(nameOption()).argument('<hosts...>'), ex).action(
      async (hosts: string[], o: { name: string }) => {
        for (const h of hosts) {
          await fn(o.name, h);
          process.stdout.write(`${verb} ${h}\n`);
        }
      },
    );
  };
  hostVerb('poweroff', 'pull the plug: every process of the machine dies at once, its link disappears', poweroff, 'hapb lab poweroff master');
  hostVerb('poweron', 'boot a powered-off machine again (same disk)', (l, h) => poweron(l, h), 'hapb lab poweron master');
  hostVerb('cut', 'link down on the switch side; the machine keeps running', cut, 'hapb lab cut web1');
  hostVerb('uncut', 'link up again', uncut, 'hapb lab uncut web1');

  example(
    lab
      .command('partition')
      .description('drop all traffic between two sets of machines on the switch')
      .addOption(nameOption())
      .argument('<hosts...>')
      .requiredOption('--from <hosts...>', 'the other side'),
    'hapb lab partition master --from backup',
  ).action(async (hosts: string[], o: { name: string; from: string[] }) => {
    await partition(o.name, hosts, o.from);
    process.stdout.write(`partitioned ${hosts.join(',')} from ${o.from.join(',')}\n`);
  });

  example(lab.command('heal').description('remove every partition').addOption(nameOption()), 'hapb lab heal').action(
    async (o: { name: string }) => {
      await heal(o.name);
      process.stdout.write('healed\n');
    },
  );
  return lab;
}

async function passthrough(cmd: string, args: string[]): Promise<number> {
  return (await run([cmd, ...args], { stdio: 'inherit' })).rc ?? 1;
}

export function formatStatus(s: LabStatus): string {
  const lines = [`lab ${s.name} (profile ${s.profile}, controller ${s.switchAddress})`];
  for (const m of s.machines) {
    const svc = Object.entries(s.machines.length ? m.services : {})
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
    const mem = m.memoryBytes ? `${(m.memoryBytes / 2 ** 20).toFixed(0)} MiB` : '';
    lines.push(
      `  ${m.host.padEnd(10)} ${m.address.padEnd(15)} ${m.system.padEnd(9)} ${m.cut ? 'CUT ' : ''}${svc} ${mem}`.trimEnd(),
    );
  }
  for (const [vip, holders] of Object.entries(s.vips)) {
    const who = holders.length === 0 ? 'nobody' : holders.join(' + ') + (holders.length > 1 ? '  (SPLIT BRAIN)' : '');
    lines.push(`  VIP ${vip}: ${who}`);
  }
  for (const p of s.partitions) lines.push(`  partition: ${p.a.join(',')} | ${p.b.join(',')}`);
  return lines.join('\n') + '\n';
}
