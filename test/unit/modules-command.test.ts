import { describe, expect, it } from 'vitest';
import { commandModule, shellModule, type CommandArgs } from '../../src/modules/command.js';
import { runModule } from '../../src/modules/run-module.js';
import { makeContext } from '../helpers/module-context.js';
import { RecordingConnection } from '../helpers/recording-connection.js';

/** a host where the paths in `present` exist */
function host(present: string[], run: { rc?: number; stdout?: string; stderr?: string } = {}): RecordingConnection {
  return new RecordingConnection([
    { match: /^for f in/, reply: (cmd) => ({ rc: present.some((p) => cmd.includes(` ${p};`)) ? 0 : 1 }) },
    { match: /.*/, reply: run },
  ]);
}

/** [title, module, args, files present, changed, skipped in check mode] */
const table: [string, 'command' | 'shell', CommandArgs, string[], boolean, boolean][] = [
  ['plain command runs', 'command', { _raw_params: 'ls' }, [], true, true],
  ['creates exists: skipped', 'command', { _raw_params: 'make', creates: '/opt/x' }, ['/opt/x'], false, false],
  ['creates missing: runs, decided in check mode', 'command', { _raw_params: 'make', creates: '/opt/x' }, [], true, false],
  ['removes missing: skipped', 'shell', { cmd: 'rm /opt/x', removes: '/opt/x' }, [], false, false],
  ['removes exists: runs', 'shell', { cmd: 'rm /opt/x', removes: '/opt/x' }, ['/opt/x'], true, false],
  ['creates relative to chdir', 'command', { _raw_params: 'make', creates: 'out', chdir: '/src' }, ['/src/out'], false, false],
];

describe('command and shell: creates/removes', () => {
  it.each(table)('%s', async (_t, mod, args, present, changed, skipInCheck) => {
    const m = mod === 'command' ? commandModule : shellModule;
    const conn = host(present);
    const { result } = await runModule(m, makeContext(conn, { check: true }), args);
    // what check mode reports: skipped when only running could tell, else what creates/removes decided
    expect(result).toMatchObject({ changed: changed && !skipInCheck, skipped: skipInCheck, failed: false });
    if (skipInCheck) expect(result.msg).toBe('Command would have run if not in check mode');
    if (changed && !skipInCheck) expect(result.plan).toEqual([expect.any(String)]);
    // check mode never runs the command itself
    expect(conn.commands.every((c) => c.startsWith('for f in'))).toBe(true);
  });

  it.each(table)('run: %s', async (_t, mod, args, present, changed) => {
    const m = mod === 'command' ? commandModule : shellModule;
    const conn = host(present);
    const { result } = await runModule(m, makeContext(conn), args);
    expect(result).toMatchObject({ changed, skipped: false, failed: false });
    expect(conn.commands.filter((c) => !c.startsWith('for f in'))).toHaveLength(changed ? 1 : 0);
  });
});

describe('command and shell: running', () => {
  it.each([
    ['command quotes words so the shell expands nothing', commandModule, { _raw_params: 'echo $HOME; rm -rf /' }, `echo '$HOME;' rm -rf /`],
    ['command argv', commandModule, { argv: ['printf', '%s\n', 'a b'] }, `printf '%s\n' 'a b'`],
    ['command cmd', commandModule, { cmd: "echo 'x y'" }, `echo 'x y'`],
    ['shell passes the script through', shellModule, { _raw_params: 'echo $HOME | wc -c' }, 'echo $HOME | wc -c'],
    ['shell with executable', shellModule, { cmd: 'echo {a,b}', executable: '/bin/bash' }, `/bin/bash -c 'echo {a,b}'`],
  ])('%s', async (_t, m, args, line) => {
    const conn = host([]);
    await runModule(m, makeContext(conn), args);
    expect(conn.commands[conn.commands.length - 1]).toBe(line);
  });

  it('returns rc, output and lines; rc != 0 fails', async () => {
    const conn = host([], { rc: 2, stdout: 'a\nb\n\n', stderr: 'oops\n' });
    const { result: out } = await runModule(commandModule, makeContext(conn), { _raw_params: 'false' });
    expect(out).toMatchObject({ rc: 2, stdout: 'a\nb', stdout_lines: ['a', 'b'], stderr: 'oops', stderr_lines: ['oops'], failed: true, msg: 'non-zero return code' });
  });

  it('passes chdir, stdin with a newline, and become', async () => {
    const conn = host([], { stdout: 'ok' });
    const ctx = makeContext(conn, { become: { user: 'root' } });
    const { result: out } = await runModule(shellModule, ctx, { cmd: 'cat', chdir: '/etc', stdin: 'data' });
    expect(out).toMatchObject({ rc: 0, stdout: 'ok', stdout_lines: ['ok'], failed: false, changed: true });
    const call = conn.calls[conn.calls.length - 1];
    expect(call?.opts).toEqual({ cwd: '/etc', stdin: 'data\n', become: { user: 'root' } });
  });

  it.each([
    [commandModule, {}],
    [commandModule, { cmd: 'a', argv: ['b'] }],
    [shellModule, { cmd: 'a', _raw_params: 'b' }],
  ])('needs exactly one command (%#)', async (m, args) => {
    expect((await m.check(makeContext(host([])), args)).failed).toBe(true);
  });
});
