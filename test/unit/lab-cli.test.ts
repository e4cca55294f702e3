import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { formatStatus, registerLabCommands } from '../../src/cli/lab.js';
import { LabError } from '../../src/lab/errors.js';

const VERBS = ['up', 'converge', 'down', 'list', 'status', 'exec', 'ssh', 'inventory', 'proxy', 'poweroff', 'poweron', 'cut', 'uncut', 'partition', 'heal'];

function program(): Command {
  const p = new Command('hapb').exitOverride();
  p.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  registerLabCommands(p);
  return p;
}

describe('hapb lab commands', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hapb-t-lab-cli-'));
    process.env['HAPB_LAB_VAR'] = join(dir, 'var');
    process.env['HAPB_LAB_RUN'] = join(dir, 'run');
  });
  afterAll(() => {
    delete process.env['HAPB_LAB_VAR'];
    delete process.env['HAPB_LAB_RUN'];
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(VERBS)('lab %s has a description and an example in its help', (verb) => {
    const lab = program().commands.find((c) => c.name() === 'lab');
    const cmd = lab?.commands.find((c) => c.name() === verb);
    expect(cmd?.description()).toBeTruthy();
    let help = '';
    cmd?.configureOutput({ writeOut: (s) => (help += s) });
    try {
      cmd?.outputHelp();
    } catch {
      // exitOverride
    }
    expect(help).toMatch(/Example:\n {2}(hapb|ssh) /);
  });

  it('up --engine ansible needs --python (real Ansible needs Python on the machines), before anything is made', async () => {
    const err = await program()
      .parseAsync(['lab', 'up', '--name', 'nolab', '--engine', 'ansible'], { from: 'user' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toBe('--engine ansible needs machines with Python');
    expect((err as LabError).exitCode).toBe(4);
  });

  it('--engine takes hapb or ansible only', async () => {
    const err = await program()
      .parseAsync(['lab', 'converge', '--name', 'nolab', '--engine', 'puppet'], { from: 'user' })
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/Allowed choices are hapb, ansible/);
  });

  it('exec takes the command after -- with its own options, and names a missing lab', async () => {
    const err = await program()
      .parseAsync(['lab', 'exec', '--name', 'nolab', 'master', '--', 'ps', '-C', 'nginx'], { from: 'user' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toBe('no lab named "nolab"');
    expect((err as LabError).exitCode).toBe(4);
  });

  it.each([
    [['lab', 'down', '--name', 'Bad_Name'], /invalid lab name/],
    [['lab', 'up', '--profile', 'nope'], /Allowed choices are hapb, tutorial/],
    [['lab', 'partition', 'master'], /required option '--from <hosts...>'/],
  ])('rejects %j', async (argv, re) => {
    const err = await program().parseAsync(argv, { from: 'user' }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(re);
  });

  it('down of a lab that does not exist is not an error', async () => {
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    try {
      await program().parseAsync(['lab', 'down', '--name', 'nolab'], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    expect(out).toBe('no lab nolab\n');
  });
});

describe('formatStatus', () => {
  it.each([
    [[], 'nobody'],
    [['master'], 'master'],
    [['master', 'backup'], 'master + backup  (SPLIT BRAIN)'],
  ])('VIP holders %j read "%s"', (holders, text) => {
    const out = formatStatus({
      name: 'x',
      profile: 'hapb',
      switchAddress: '192.168.0.254',
      machines: [
        { host: 'master', address: '192.168.0.40', groups: [], power: 'on', system: 'running', services: { nginx: 'active' }, cut: true, memoryBytes: 2 ** 20 * 12 },
        { host: 'backup', address: '192.168.0.41', groups: [], power: 'off', system: 'off', services: {}, cut: false, memoryBytes: 0 },
      ],
      vips: { '192.168.0.150': holders },
      partitions: [],
    });
    expect(out).toContain(`VIP 192.168.0.150: ${text}\n`);
    expect(out).toMatch(/master +192\.168\.0\.40 +running +CUT nginx:active 12 MiB/);
    expect(out).toMatch(/backup +192\.168\.0\.41 +off\n/);
  });
});

describe('default converge', () => {
  it.each(['hapb', 'tutorial'] as const)('runs hapb run with the lab inventory and profile %s', async (profile) => {
    const { convergeArgv, packageRoot } = await import('../../src/lab/converge.js');
    const argv = convergeArgv({ lab: 'x', inventory: '/v/labs/x/inventory.yml', playbook: 'playbooks/site.yml', profile });
    expect(argv.slice(0, 2)).toEqual([join(packageRoot(), 'bin', 'hapb'), 'run']);
    expect(argv.slice(2, 5)).toEqual(['playbooks/site.yml', '-i', '/v/labs/x/inventory.yml']);
    expect(argv.slice(5)).toEqual(['-e', `@profiles/${profile}.yml`]);
  });
});
