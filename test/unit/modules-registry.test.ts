import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { getModule, moduleNames } from '../../src/modules/index.js';

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });

describe('getModule', () => {
  it.each([
    ['template', 'template'],
    ['ansible.builtin.template', 'template'],
    ['ansible.builtin.copy', 'copy'],
    ['systemd', 'service'],
    ['ansible.builtin.systemd_service', 'service'],
    ['apt', 'package'],
    ['ansible.builtin.apt', 'package'],
    ['ansible.posix.sysctl', 'sysctl'],
    ['set_fact', 'set_fact'],
  ])('%s is the %s module', (name, want) => {
    expect(getModule(name)?.name).toBe(want);
  });
  it.each(['templat', 'ansible.builtin.nope', 'builtin.copy', ''])('%j is unknown', (name) => {
    expect(getModule(name)).toBeUndefined();
  });
  it('lists every name and alias once, sorted', () => {
    const names = moduleNames();
    expect(names).toEqual([...new Set(names)].sort());
    for (const n of ['template', 'copy', 'file', 'lineinfile', 'package', 'apt', 'service', 'systemd', 'command', 'shell', 'sysctl', 'wait_for', 'uri', 'assert', 'debug', 'set_fact', 'fail']) {
      expect(names).toContain(n);
    }
  });
});

describe('module schemas', () => {
  const valid: [string, Record<string, unknown>][] = [
    ['template', { src: 'a.j2', dest: '/etc/a', mode: '0644', validate: 'nginx -t -c %s', backup: true }],
    ['copy', { content: 'x', dest: '/etc/a', owner: 'root', group: 'root', mode: 644 }],
    ['file', { path: '/etc/a', state: 'directory', mode: '0755' }],
    ['lineinfile', { path: '/etc/a', line: 'x=1', regexp: '^x=', insertafter: 'EOF', create: 'yes' }],
    ['package', { name: ['nginx-light', 'keepalived'], state: 'present', update_cache: true }],
    ['service', { name: 'nginx', state: 'reloaded', enabled: true, daemon_reload: true }],
    ['command', { _raw_params: 'ls -l', chdir: '/tmp', creates: '/x' }],
    ['command', { argv: ['ls', '-l'] }],
    ['shell', { cmd: 'echo $HOME | wc -c', removes: '/x', stdin: 'data' }],
    ['sysctl', { name: 'net.ipv4.ip_nonlocal_bind', value: 1, sysctl_file: '/etc/sysctl.d/x.conf', reload: true }],
    ['wait_for', { port: 80, host: '127.0.0.1', state: 'started', timeout: 10, delay: 1 }],
    ['uri', { url: 'http://127.0.0.1/', method: 'GET', status_code: [200, 204], return_content: true, headers: { Host: 'a' } }],
    ['assert', { that: ['a == 1', 'b'], fail_msg: 'no', success_msg: 'yes', quiet: true }],
    ['debug', { var: 'x' }],
    ['set_fact', { a: 1, b: [1, 2], cacheable: true }],
    ['fail', { msg: 'stop' }],
  ];
  it.each(valid)('%s accepts %j', (name, args) => {
    const m = getModule(name);
    expect(m).toBeDefined();
    const fn = ajv.compile(m?.schema ?? {});
    expect(fn(args), JSON.stringify(fn.errors)).toBe(true);
  });

  it.each(moduleNames().filter((n) => n !== 'set_fact'))('%s rejects an unknown argument', (name) => {
    const fn = ajv.compile(getModule(name)?.schema ?? {});
    expect(fn({ notfiy: 'x' })).toBe(false);
    expect(fn.errors?.some((e) => e.keyword === 'additionalProperties')).toBe(true);
  });

  it.each([
    ['file', { path: '/a', state: 'gone' }],
    ['file', { path: '/a', recurse: true }],
    ['template', { src: 'a' }],
    ['service', { name: 'x', state: 'running' }],
    ['package', { state: 'present' }],
    ['set_fact', { 'bad-name': 1 }],
    ['set_fact', {}],
  ])('%s rejects %j', (name, args) => {
    expect(ajv.compile(getModule(name)?.schema ?? {})(args)).toBe(false);
  });
});
