/** uri, wait_for and sysctl against a scripted host. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runModule } from '../../src/modules/run-module.js';
import { sysctlModule } from '../../src/modules/sysctl.js';
import { curlCommand, uriModule } from '../../src/modules/uri.js';
import { waitForModule, waitScript } from '../../src/modules/wait-for.js';
import { sha1 } from '../../src/modules/files.js';
import { makeContext } from '../helpers/module-context.js';
import { RecordingConnection } from '../helpers/recording-connection.js';

describe('uri', () => {
  it.each([
    [{ url: 'http://h/' }, ["-X GET", "-L", "-- http://h/"], ['-k', '--data-binary']],
    [{ url: 'https://h/', validate_certs: false, method: 'post' }, ['-X POST', ' -k '], []],
    [{ url: 'http://h/', follow_redirects: 'none', headers: { Host: 'a b' } }, [`-H 'Host: a b'`], [' -L ']],
  ])('curl line for %j', (args, has, hasNot) => {
    const line = curlCommand(args, false, undefined);
    for (const h of has) expect(line).toContain(h);
    for (const h of hasNot) expect(line).not.toContain(h);
  });

  it('parses the status, the last header block and the content', async () => {
    const conn = new RecordingConnection([
      {
        match: 'curl',
        reply: {
          stdout: 'moved\n{"ok":true}\n__HAPB_URI__200',
          stderr: 'HTTP/1.1 301 Moved\r\nLocation: /b\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n',
        },
      },
    ]);
    const { result } = await runModule(uriModule, makeContext(conn), { url: 'http://h/a', return_content: true, status_code: '200' });
    expect(result).toMatchObject({ failed: false, changed: false, status: 200, content_type: 'application/json' });
    expect(result).not.toHaveProperty('location');
  });

  it('fails on an unwanted status', async () => {
    const conn = new RecordingConnection([{ match: 'curl', reply: { stdout: 'no\n__HAPB_URI__404' } }]);
    const { result } = await runModule(uriModule, makeContext(conn), { url: 'http://h/' });
    expect(result).toMatchObject({ failed: true, status: 404, msg: 'Status code was 404 and not [200]: HTTP Error 404' });
  });

  it('check mode: skipped, no request made (docs/modules.md)', async () => {
    const conn = new RecordingConnection();
    const { result } = await runModule(uriModule, makeContext(conn, { check: true }), { url: 'http://h/', method: 'POST' });
    expect(result).toMatchObject({ skipped: true, changed: false, failed: false });
    expect(result.msg).toMatch(/^skipped, running in check mode/);
    expect(conn.commands).toEqual([]);
  });

  it('sends the body on stdin', async () => {
    const conn = new RecordingConnection([{ match: 'curl', reply: { stdout: '\n__HAPB_URI__201' } }]);
    const { result } = await runModule(uriModule, makeContext(conn), { url: 'http://h/', method: 'PUT', body: { a: 1 }, status_code: [201] });
    expect(result.failed).toBe(false);
    expect(conn.calls[0]?.opts.stdin).toBe('{"a":1}');
    expect(conn.commands[0]).toContain(`-H 'Content-Type: application/json'`);
  });
});

describe('wait_for', () => {
  it.each([
    [true, 'true', 0],
    [false, 'false', 0],
    [true, 'false', 3],
    [false, 'true', 3],
  ])('script wanting up=%s with probe %s exits %i', (wantUp, probe, rc) => {
    const script = waitScript({ probe, wantUp, timeout: 0, delay: 0, sleep: 1 });
    let code = 0;
    try {
      execFileSync('/bin/sh', ['-c', script]);
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(rc);
  });

  it('probes the port through bash on the host and reports a timeout', async () => {
    const conn = new RecordingConnection([{ match: 'while :', reply: { rc: 3 } }]);
    const { result } = await runModule(waitForModule, makeContext(conn), { host: '10.0.0.1', port: 8080, timeout: 2 });
    expect(result).toMatchObject({ failed: true, changed: false, msg: 'Timeout when waiting for 10.0.0.1:8080', port: 8080, elapsed: expect.any(Number) });
    expect(conn.commands[0]).toContain(`/dev/tcp/$0/$1' 10.0.0.1 8080`);
  });

  it('check mode: skipped, nothing run on the host (docs/modules.md)', async () => {
    const conn = new RecordingConnection();
    const { result } = await runModule(waitForModule, makeContext(conn, { check: true }), { port: 8080, timeout: 2 });
    expect(result).toMatchObject({ skipped: true, changed: false, failed: false });
    expect(conn.commands).toEqual([]);
  });

  it.each([
    [{ port: 1, path: '/x' }],
    [{ port: 1, state: 'absent' as const }],
    [{}],
  ])('rejects %j', async (args) => {
    expect((await waitForModule.check(makeContext(new RecordingConnection()), args)).failed).toBe(true);
  });
});

describe('sysctl (scripted)', () => {
  const fileReply = (text: string | undefined): { stdout: string } =>
    text === undefined
      ? { stdout: 'absent\n' }
      : { stdout: `regular file|644|root|root|${text.length}\n${sha1(text)}\n${Buffer.from(text).toString('base64')}` };

  it.each([
    ['missing file', undefined, '1', false, true],
    ['same value in file', 'net.ipv4.ip_forward = 1\n', '1', false, false],
    ['other value in file', 'net.ipv4.ip_forward=0\n', '1', false, true],
    ['file right, live wrong, sysctl_set', 'net.ipv4.ip_forward=1\n', '0', true, true],
    ['file right, live wrong, no sysctl_set', 'net.ipv4.ip_forward=1\n', '0', false, false],
  ])('%s', async (_t, file, live, sysctlSet, changed) => {
    const conn = new RecordingConnection([
      { match: /^if \[ ! -e/, reply: fileReply(file) },
      { match: 'sysctl -n -e', reply: { stdout: `${live}\n` } },
    ]);
    const { result } = await runModule(sysctlModule, makeContext(conn, { check: true }), { name: 'net/ipv4/ip_forward', value: true, sysctl_set: sysctlSet });
    expect(result).toMatchObject({ changed, failed: false, skipped: false, name: 'net.ipv4.ip_forward', value: '1', sysctl_file: '/etc/sysctl.d/99-hapb.conf' });
    // check mode only reads; what it would do is shown
    expect(conn.commands.every((c) => c.startsWith('if [ ! -e') || c.startsWith('sysctl -n -e'))).toBe(true);
    expect(Array.isArray(result.plan)).toBe(changed);
  });
});
