import { describe, expect, it } from 'vitest';
import { runModule } from '../../src/modules/run-module.js';
import { parseShow, serviceModule, type ServiceArgs } from '../../src/modules/service.js';
import { makeContext } from '../helpers/module-context.js';
import { RecordingConnection } from '../helpers/recording-connection.js';

function host(active: string, unitFile: string, load = 'loaded'): RecordingConnection {
  return new RecordingConnection([
    { match: 'systemctl show', reply: { stdout: `LoadState=${load}\nActiveState=${active}\nUnitFileState=${unitFile}\n` } },
    { match: /^systemctl (start|stop|restart|reload|enable|disable|daemon-reload)/, reply: {} },
  ]);
}

/** [title, ActiveState, UnitFileState, args, changed, commands run after the check] */
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
    const { result } = await runModule(serviceModule, makeContext(conn), args);
    expect(result).toMatchObject({ failed: false, changed });
    expect(conn.commands.filter((c) => !c.startsWith('systemctl show'))).toEqual(commands);
  });

  it.each(table)('check mode: %s (reads only, shows the commands)', async (_title, active, unitFile, args, changed, commands) => {
    const conn = host(active, unitFile);
    const { result } = await runModule(serviceModule, makeContext(conn, { check: true }), args);
    expect(result).toMatchObject({ failed: false, skipped: false, changed });
    expect(conn.commands.every((c) => c.startsWith('systemctl show'))).toBe(true);
    if (commands.length) expect(result.plan).toEqual(commands);
    else expect(result).not.toHaveProperty('plan');
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

  it('daemon_reload runs before the unit is read again, and is decided on what it loaded', async () => {
    // before the reload the unit is unknown; after it, it is loaded and inactive
    let reloaded = false;
    const conn = new RecordingConnection([
      { match: 'systemctl daemon-reload', reply: () => ((reloaded = true), {}) },
      { match: 'systemctl show', reply: () => ({ stdout: reloaded ? 'LoadState=loaded\nActiveState=inactive\nUnitFileState=enabled\n' : 'LoadState=not-found\n' }) },
      { match: 'systemctl start', reply: {} },
    ]);
    const { result } = await runModule(serviceModule, makeContext(conn), { name: 'nginx', state: 'started', daemon_reload: true });
    expect(conn.commands).toEqual([
      'systemctl show -p LoadState,ActiveState,UnitFileState -- nginx',
      'systemctl daemon-reload',
      'systemctl show -p LoadState,ActiveState,UnitFileState -- nginx',
      'systemctl start -- nginx',
    ]);
    expect(result).toMatchObject({ changed: true, failed: false, daemon_reloaded: true });
  });

  it('check mode: daemon_reload is shown, not run; a unit it would load counts as new', async () => {
    const dry = host('inactive', '', 'not-found');
    const { result } = await runModule(serviceModule, makeContext(dry, { check: true }), { name: 'nginx', daemon_reload: true, state: 'started', enabled: true });
    expect(dry.commands).not.toContain('systemctl daemon-reload');
    expect(result).toMatchObject({ changed: true, failed: false, skipped: false, daemon_reloaded: false });
    expect(result.plan).toEqual(['systemctl daemon-reload', 'systemctl enable -- nginx', 'systemctl start -- nginx']);
  });

  it('daemon_reload alone changes nothing but runs', async () => {
    const conn = host('inactive', 'enabled');
    const { result } = await runModule(serviceModule, makeContext(conn), { daemon_reload: true });
    expect(conn.commands).toEqual(['systemctl daemon-reload']);
    expect(result).toMatchObject({ changed: false, failed: false, daemon_reloaded: true });
  });

  it('reports a failed systemctl step', async () => {
    const conn = host('inactive', 'enabled').script({ match: 'systemctl start', reply: { rc: 1, stderr: 'Job failed.\n' } });
    const { result } = await runModule(serviceModule, makeContext(conn), { name: 'nginx', state: 'started' });
    expect(result).toMatchObject({ failed: true, rc: 1, msg: 'systemctl start nginx failed: Job failed.' });
  });

  it('runs systemctl under the task become', async () => {
    const conn = host('inactive', 'enabled');
    await runModule(serviceModule, makeContext(conn, { become: { user: 'root' } }), { name: 'nginx', state: 'started' });
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
