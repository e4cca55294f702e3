import { describe, expect, it } from 'vitest';
import { parseShow, serviceModule, type ServiceArgs } from '../../src/modules/service.js';
import { makeContext } from '../helpers/module-context.js';
import { RecordingConnection } from '../helpers/recording-connection.js';

function host(active: string, unitFile: string, load = 'loaded'): RecordingConnection {
  return new RecordingConnection([
    { match: 'systemctl show', reply: { stdout: `LoadState=${load}\nActiveState=${active}\nUnitFileState=${unitFile}\n` } },
    { match: /^systemctl (start|stop|restart|reload|enable|disable|daemon-reload)/, reply: {} },
  ]);
}

/** [title, ActiveState, UnitFileState, args, changed, commands run by apply] */
const table: [string, string, string, ServiceArgs, boolean, string[]][] = [
  ['started when inactive starts', 'inactive', 'enabled', { name: 'nginx', state: 'started' }, true, ['systemctl start -- nginx']],
  ['started when active does nothing', 'active', 'enabled', { name: 'nginx', state: 'started' }, false, []],
  ['started when activating does nothing', 'activating', 'enabled', { name: 'nginx', state: 'started' }, false, []],
  ['stopped when active stops', 'active', 'enabled', { name: 'nginx', state: 'stopped' }, true, ['systemctl stop -- nginx']],
  ['stopped when inactive does nothing', 'inactive', 'enabled', { name: 'nginx', state: 'stopped' }, false, []],
  ['stopped when failed does nothing', 'failed', 'enabled', { name: 'nginx', state: 'stopped' }, false, []],
  ['restarted always restarts', 'active', 'enabled', { name: 'nginx', state: 'restarted' }, true, ['systemctl restart -- nginx']],
  ['reloaded always reloads', 'active', 'enabled', { name: 'nginx', state: 'reloaded' }, true, ['systemctl reload -- nginx']],
  ['reloaded starts a stopped unit', 'inactive', 'enabled', { name: 'nginx', state: 'reloaded' }, true, ['systemctl start -- nginx']],
  ['enabled when disabled enables', 'active', 'disabled', { name: 'keepalived', enabled: true }, true, ['systemctl enable -- keepalived']],
  ['enabled when enabled does nothing', 'active', 'enabled', { name: 'keepalived', enabled: 'yes' }, false, []],
  ['disabled when enabled disables', 'active', 'enabled', { name: 'keepalived', enabled: false }, true, ['systemctl disable -- keepalived']],
  ['enable then start, in that order', 'inactive', 'disabled', { name: 'keepalived', enabled: true, state: 'started' }, true, ['systemctl enable -- keepalived', 'systemctl start -- keepalived']],
  ['a unit name is quoted', 'inactive', 'enabled', { name: "x'y", state: 'started' }, true, [`systemctl start -- 'x'\\''y'`]],
];

describe('service', () => {
  it.each(table)('%s', async (_title, active, unitFile, args, changed, commands) => {
    const conn = host(active, unitFile);
    const plan = await serviceModule.check(makeContext(conn), args);
    expect(plan.failed).toBeFalsy();
    expect(plan.changed).toBe(changed);
    // check() only reads
    expect(conn.commands.every((c) => c.startsWith('systemctl show'))).toBe(true);
    const before = conn.calls.length;
    if (plan.changed) await plan.apply?.();
    expect(conn.commands.slice(before)).toEqual(commands);
  });

  it('fails for a unit that does not exist', async () => {
    const plan = await serviceModule.check(makeContext(host('inactive', '', 'not-found')), { name: 'nope', state: 'started' });
    expect(plan.failed).toBe(true);
    expect(plan.msg).toMatch(/Could not find the requested service nope/);
  });

  it.each([
    ['enabled', false],
    ['disabled', true],
  ])('a unit without a unit file state asks is-enabled (%s)', async (state, changed) => {
    const conn = host('active', '').script({ match: 'systemctl is-enabled', reply: { stdout: `${state}\n` } });
    const plan = await serviceModule.check(makeContext(conn), { name: 'legacy', enabled: true });
    expect(conn.commands).toContain('systemctl is-enabled -- legacy');
    expect(plan.changed).toBe(changed);
  });

  it('refuses to enable a static unit', async () => {
    const plan = await serviceModule.check(makeContext(host('inactive', 'static')), { name: 'x', enabled: true });
    expect(plan.failed).toBe(true);
  });

  it('daemon_reload runs before reading the unit, but not in check mode', async () => {
    const conn = host('inactive', 'enabled');
    await serviceModule.check(makeContext(conn), { name: 'nginx', state: 'started', daemon_reload: true });
    expect(conn.commands[0]).toBe('systemctl daemon-reload');
    const dry = host('inactive', 'enabled');
    const plan = await serviceModule.check(makeContext(dry, { check: true }), { name: 'nginx', daemon_reload: true, state: 'started' });
    expect(dry.commands).not.toContain('systemctl daemon-reload');
    expect(plan.changed).toBe(true);
  });

  it('reports a failed systemctl step', async () => {
    const conn = host('inactive', 'enabled').script({ match: 'systemctl start', reply: { rc: 1, stderr: 'Job failed.\n' } });
    const plan = await serviceModule.check(makeContext(conn), { name: 'nginx', state: 'started' });
    const out = await plan.apply?.();
    expect(out).toMatchObject({ failed: true, rc: 1 });
  });

  it('runs systemctl under the task become', async () => {
    const conn = host('inactive', 'enabled');
    const plan = await serviceModule.check(makeContext(conn, { become: { user: 'root' } }), { name: 'nginx', state: 'started' });
    await plan.apply?.();
    expect(conn.calls.every((c) => c.opts.become?.user === 'root')).toBe(true);
  });

  it('parses systemctl show', () => {
    expect(parseShow('LoadState=loaded\nActiveState=active\nUnitFileState=\n')).toEqual({
      LoadState: 'loaded',
      ActiveState: 'active',
      UnitFileState: '',
    });
  });
});
