/** hapb status: the parsers of what it reads on a host, and the verdict. */
import { describe, expect, it } from 'vitest';
import { assess, vipStatuses } from '../../src/status/assess.js';
import { driftCollector } from '../../src/status/drift.js';
import { formatStatus } from '../../src/status/format.js';
import { inventoryVips } from '../../src/status/index.js';
import {
  markedFailed,
  nginxSeconds,
  parseIpAddr,
  parseKeepalivedJson,
  parseNginxConfig,
  probeVerdict,
  splitSections,
  upstreamFailures,
} from '../../src/status/parse.js';
import { backendProbeScript } from '../../src/status/probe.js';
import type { DirectorStatus } from '../../src/status/types.js';
import { newResult } from '../../src/core/types.js';

// keepalived 2.2.7's JSON dump as a lab master wrote it (stats trimmed)
const KEEPALIVED_JSON = `[{"data":{"iname":"VI_1","ifp_ifname":"ens33","master_priority":90,"last_transition":1796547738.198538,"vrid":51,"base_priority":100,"effective_priority":100,"vipset":true,"state":2,"wantstate":2,"version":3,"vips":["192.168.0.150\\/24 dev ens33 scope global set"],"evips":[],"auth_type":0},"stats":{"advert_rcvd":54,"advert_sent":46,"become_master":1,"release_master":0}}]`;

const NGINX_T = `nginx: the configuration file /etc/nginx/nginx.conf syntax is ok
# configuration file /etc/nginx/nginx.conf:
http {
    upstream web {
        zone web 64k;
        server 192.168.0.42:80 max_fails=1 fail_timeout=5s;  # web1
        server 192.168.0.43:8080 weight=3 max_fails=2 fail_timeout=1m backup;  # web2
        server [fd00::44] max_fails=0;
        server unix:/run/app.sock;
    }
    server {
        listen 443 ssl;
        ssl_certificate "/etc/ssl/hapb/vip.crt";  # the VIP's
        ssl_certificate_key /etc/ssl/private/vip.key;
        ssl_certificate $ssl_server_name.crt;
        location / { proxy_pass http://web; }
    }
}
`;

function director(host: string, addresses: string[], over: Partial<DirectorStatus> = {}): DirectorStatus {
  return {
    host,
    reachable: true,
    privileged: true,
    keepalived: { active: 'active', instances: [{ name: 'VI_1', state: addresses.length ? 'MASTER' : 'BACKUP', basePriority: 100, effectivePriority: 100, vips: ['192.168.0.150'], becameMaster: 1, releasedMaster: 0 }] },
    nginx: { active: 'active', configValid: true },
    addresses,
    backends: [],
    certificates: [],
    ...over,
  };
}

describe('status parsers', () => {
  it("reads keepalived's JSON dump: state, configured and effective priority, VIPs without prefix, transitions", () => {
    expect(parseKeepalivedJson(KEEPALIVED_JSON)).toEqual([
      { name: 'VI_1', state: 'MASTER', basePriority: 100, effectivePriority: 100, vips: ['192.168.0.150'], becameMaster: 1, releasedMaster: 0, lastTransition: 1796547738.198538 },
    ]);
    const fault = KEEPALIVED_JSON.replace('"state":2', '"state":3').replace('"effective_priority":100', '"effective_priority":80');
    expect(parseKeepalivedJson(fault)[0]).toMatchObject({ state: 'FAULT', effectivePriority: 80 });
    expect(parseKeepalivedJson(KEEPALIVED_JSON.replace('"state":2', '"state":42'))[0]?.state).toBe('STATE_42');
    expect(() => parseKeepalivedJson('{"data":1}')).toThrow(/not a list/);
    expect(() => parseKeepalivedJson('[{"data":{"iname":"VI_1",')).toThrow();
  });

  it('counts addresses on network interfaces only: the VIP on lo (profile hapb) is not held', () => {
    const ip = JSON.stringify([
      { ifname: 'lo', flags: ['LOOPBACK', 'UP'], addr_info: [{ family: 'inet', local: '127.0.0.1' }, { family: 'inet', local: '192.168.0.150' }] },
      { ifname: 'ens33', flags: ['UP'], addr_info: [{ family: 'inet', local: '192.168.0.41' }, { family: 'inet6', local: 'fe80::1' }] },
    ]);
    expect(parseIpAddr(ip)).toEqual(['192.168.0.41', 'fe80::1']);
  });

  it('finds the upstream servers (port, max_fails, fail_timeout, backup) and literal certificate paths in nginx -T', () => {
    const c = parseNginxConfig(NGINX_T);
    expect(c.upstreams).toEqual([
      { upstream: 'web', address: '192.168.0.42', port: 80, maxFails: 1, failTimeout: 5, backup: false, down: false },
      { upstream: 'web', address: '192.168.0.43', port: 8080, maxFails: 2, failTimeout: 60, backup: true, down: false },
      { upstream: 'web', address: 'fd00::44', port: 80, maxFails: 0, failTimeout: 10, backup: false, down: false },
    ]);
    expect(c.certificates).toEqual(['/etc/ssl/hapb/vip.crt']);
    // profile hapb lists every backend again as a never-failed backup ("last resort"): one backend each, as first listed
    const lastResort = parseNginxConfig('http {\n upstream web {\n  server 192.168.0.51:80 max_fails=1 fail_timeout=5s;\n  server 192.168.0.52:80 max_fails=1 fail_timeout=5s;\n  server 192.168.0.51:80 max_fails=0 backup;\n  server 192.168.0.52:80 max_fails=0 backup;\n }\n}\n');
    expect(lastResort.upstreams.map((u) => [u.address, u.maxFails, u.backup])).toEqual([['192.168.0.51', 1, false], ['192.168.0.52', 1, false]]);
    expect([nginxSeconds('500ms'), nginxSeconds('30'), nginxSeconds('2h')]).toEqual([0.5, 30, 7200]);
  });

  it("infers nginx's passive 'marked failed' from its error log: max_fails failures within fail_timeout", () => {
    const log = [
      '2026/12/06 09:08:01 [error] 116#116: *357 connect() failed (111: Connection refused) while connecting to upstream, client: 192.168.0.10, server: _, request: "GET / HTTP/1.1", upstream: "http://192.168.0.42:80/", host: "192.168.0.150"',
      '2026/12/06 09:08:05 [warn] 116#116: *358 upstream server temporarily disabled while connecting to upstream, client: 192.168.0.10, upstream: "http://192.168.0.42:80/", host: "x"',
      '2026/12/06 09:07:00 [error] 116#116: *300 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 192.168.0.10, upstream: "http://192.168.0.43:8080/", host: "x"',
      '2026/12/06 09:08:06 [notice] 1#1: signal process started',
      '2026/12/06 09:08:06 [error] 116#116: *359 no live upstreams while connecting to upstream, client: 192.168.0.10, upstream: "http://web/", host: "x"',
    ].join('\n');
    const f = upstreamFailures(log, '2026/12/06 09:08:07');
    expect(f.get('192.168.0.42:80')).toEqual([6, 2]);
    expect(f.get('192.168.0.43:8080')).toEqual([67]);
    const s = (port: number, maxFails: number, failTimeout: number, address = '192.168.0.42') => ({ upstream: 'web', address, port, maxFails, failTimeout, backup: false, down: false });
    expect(markedFailed(s(80, 1, 5), f)).toEqual({ marked: true, lastAgo: 2 });
    expect(markedFailed(s(80, 3, 10), f)).toEqual({ marked: false, lastAgo: 2 });
    expect(markedFailed(s(80, 2, 10), f)).toEqual({ marked: true, lastAgo: 2 });
    expect(markedFailed(s(80, 1, 1), f)).toEqual({ marked: false });
    expect(markedFailed(s(80, 0, 10), f).marked).toBe(false);
    expect(markedFailed(s(8080, 1, 60, '192.168.0.43'), f)).toEqual({ marked: false });
  });

  it("words a backend probe: the HTTP status, a refused connection, a timeout", () => {
    expect(probeVerdict('HTTP/1.1 200 OK\r\n', 0)).toEqual({ up: true, probe: 'HTTP 200' });
    expect(probeVerdict('HTTP/1.1 404 Not Found\r\n', 0)).toEqual({ up: true, probe: 'HTTP 404' });
    expect(probeVerdict('HTTP/1.1 503 Service Unavailable\r\n', 0)).toEqual({ up: false, probe: 'HTTP 503' });
    expect(probeVerdict('bash: connect: Connection refused\nbash: line 1: /dev/tcp/192.168.0.42/80: Connection refused\n', 7)).toEqual({ up: false, probe: 'connection refused' });
    expect(probeVerdict('', 124)).toEqual({ up: false, probe: 'timeout' });
    expect(probeVerdict('', 1)).toEqual({ up: false, probe: 'no answer' });
  });

  it('splits a probe output into its sections; quotes backend addresses in the probe script', () => {
    expect([...splitSections('junk\n@@a\n1\n2\n@@b c\n\n@@d')]).toEqual([
      ['a', '1\n2'],
      ['b c', ''],
      ['d', ''],
    ]);
    const script = backendProbeScript([{ address: "10.0.0.1'; rm -rf /", port: 80 }]);
    expect(script).toContain(`p '10.0.0.1'\\''; rm -rf /' 80 0 &`);
  });

  it("takes the inventory's VIPs from keepalived_vip, vip and the lists keepalived_vips / vips", () => {
    expect(inventoryVips({ keepalived_vip: '192.168.0.150/24' })).toEqual(['192.168.0.150']);
    expect(inventoryVips({ keepalived_vips: ['10.0.0.1/24', { address: '10.0.0.2/24' }], vip: '{{ x }}' })).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(inventoryVips({ keepalived_vip: '192.168.0.150/24', keepalived_vip6: 'fd00::192:168:0:150/64' })).toEqual(['192.168.0.150', 'fd00::192:168:0:150']);
    expect(inventoryVips({ keepalived_vip: '192.168.0.150/24', keepalived_vip6: '' })).toEqual(['192.168.0.150']);
  });
});

describe('status verdict', () => {
  const base = { inventory: 'inv.yml', time: 't', backends: [], inventoryVips: ['192.168.0.150'], certWarnDays: 14 };

  it('one holder is healthy; two are a split brain; none is named too', () => {
    const ok = assess({ ...base, directors: [director('master', ['192.168.0.40', '192.168.0.150']), director('backup', ['192.168.0.41'])] });
    expect(ok.healthy).toBe(true);
    expect(ok.vips).toEqual([{ vip: '192.168.0.150', holders: ['master'], state: 'ok' }]);
    const split = assess({ ...base, directors: [director('master', ['192.168.0.150']), director('backup', ['192.168.0.150'])] });
    expect(split.healthy).toBe(false);
    expect(split.problems).toEqual(['SPLIT BRAIN: master and backup both hold VIP 192.168.0.150']);
    expect(formatStatus(split)).toMatch(/192\.168\.0\.150\s+SPLIT BRAIN: master, backup/);
    const none = vipStatuses([director('master', []), director('backup', [])], ['192.168.0.150', '10.0.0.9']);
    expect(none.map((v) => v.state)).toEqual(['none', 'none']);
  });

  it('lists every reason: FAULT, lowered priority, nginx down or invalid, backends down or marked failed, certificates, unreachable, drift', () => {
    const d = director('master', ['192.168.0.150'], {
      keepalived: { active: 'active', instances: [{ name: 'VI_1', state: 'FAULT', basePriority: 100, effectivePriority: 80, vips: ['192.168.0.150'], becameMaster: 2, releasedMaster: 2 }] },
      nginx: { active: 'failed', configValid: false, configTest: 'nginx: [emerg] unknown directive "foo" in /etc/nginx/nginx.conf:3\nnginx: configuration file /etc/nginx/nginx.conf test failed' },
      backends: [
        { host: 'web1', address: '192.168.0.42', port: 80, upstream: 'web', state: 'down', probe: 'connection refused', markedFailed: true, backup: false },
        { address: '192.168.0.43', port: 8080, upstream: 'web', state: 'failed', probe: 'HTTP 200', markedFailed: true, lastFailureAgo: 2, backup: false },
      ],
      certificates: [
        { path: '/a.crt', notAfter: '2026-12-01T00:00:00.000Z', daysLeft: -5 },
        { path: '/b.crt', notAfter: '2026-12-16T00:00:00.000Z', daysLeft: 10 },
        { path: '/c.crt', notAfter: '2027-12-16T00:00:00.000Z', daysLeft: 375 },
      ],
    });
    const s = assess({
      ...base,
      directors: [d, { ...director('backup', []), reachable: false, error: 'connect ECONNREFUSED' }],
      backends: [{ host: 'web1', reachable: true, nginx: 'inactive' }],
      drift: { playbook: 'site.yml', changes: { master: ['nginx_director : Keep nginx running and enabled'], web1: [] }, errors: { web2: 'unreachable: timeout' } },
    });
    expect(s.problems).toEqual([
      'master: vrrp_instance VI_1 is in state FAULT',
      'master: vrrp_instance VI_1 runs at priority 80, below its 100 (a tracked check fails)',
      'master: nginx is failed',
      'master: nginx -t fails: nginx: [emerg] unknown directive "foo" in /etc/nginx/nginx.conf:3',
      'master: backend web1 is down (connection refused)',
      'master: backend 192.168.0.43:8080 is marked failed by nginx (last failure 2 s ago)',
      'master: certificate /a.crt EXPIRED on 2026-12-01T00:00:00.000Z',
      'master: certificate /b.crt expires in 10 days (2026-12-16T00:00:00.000Z)',
      'backup: unreachable (connect ECONNREFUSED)',
      'web1: nginx is inactive',
      'master: drift: 1 task would change (nginx_director : Keep nginx running and enabled)',
      'web2: drift: unreachable: timeout',
    ]);
    const text = formatStatus(s);
    expect(text).toContain('DEGRADED (12 problems)');
    expect(text).toContain('FAILED (answers HTTP 200; nginx marked it failed 2 s ago)');
    expect(text).toContain('/c.crt');
    expect(text).toContain('master: would change: nginx_director : Keep nginx running and enabled');
  });

  it('read without root: one problem saying so, not a wrong keepalived or nginx -t verdict', () => {
    const d = director('master', ['192.168.0.150'], {
      privileged: false,
      error: "reads as uid 1000, not root: nginx -t and keepalived's state need root (pass -b, or set ansible_become)",
      keepalived: { active: 'active', instances: [] },
      nginx: { active: 'active', configValid: false, configTest: 'nginx: [alert] could not open error log file: open() "/var/log/nginx/error.log" failed (13: Permission denied)' },
    });
    const s = assess({ ...base, directors: [d] });
    expect(s.problems).toEqual(["master: reads as uid 1000, not root: nginx -t and keepalived's state need root (pass -b, or set ansible_become)"]);
    expect(formatStatus(s)).toMatch(/master\s+active\s+unknown\s+active\s+unknown \(not root\)/);
  });

  it('drift: changed tasks per host from the engine events; an ignored failure is no error', () => {
    const c = driftCollector();
    const ev = (host: string, status: 'ok' | 'changed' | 'failed', over = {}) =>
      c.listener({ type: 'host.result', host, task: 'Write nginx.conf', role: 'nginx_director', handler: false, status, result: newResult({ ...(status === 'failed' ? { failed: true, msg: 'boom\nmore' } : {}), ...over }) });
    ev('master', 'changed');
    ev('backup', 'ok');
    ev('web1', 'failed', { ignored: true });
    ev('web2', 'failed');
    expect(c.changes).toEqual({ master: ['nginx_director : Write nginx.conf'] });
    expect(c.errors).toEqual({ web2: 'task "nginx_director : Write nginx.conf" failed: boom' });
  });
});

describe('hapb status on a lab inventory', () => {
  it("passes the lab's profile to the drift check (the inventory's first line names the lab)", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { labProfileVars } = await import('../../src/cli/status.js');
    const dir = mkdtempSync(join(tmpdir(), 'hapb-t-status-'));
    const saved = { run: process.env.HAPB_LAB_RUN, var: process.env.HAPB_LAB_VAR };
    try {
      process.env.HAPB_LAB_RUN = join(dir, 'run');
      process.env.HAPB_LAB_VAR = join(dir, 'var');
      mkdirSync(join(dir, 'run', 'labs', 'demo'), { recursive: true });
      writeFileSync(join(dir, 'run', 'labs', 'demo', 'state.json'), JSON.stringify({ name: 'demo', profile: 'tutorial', machines: [] }));
      const inv = join(dir, 'inventory.yml');
      writeFileSync(inv, '# lab "demo": generated by hapb lab up from inventory/seed.yml\nall: {}\n');
      expect(labProfileVars([inv])).toEqual(['@profiles/tutorial.yml']);
      writeFileSync(inv, '# lab "gone": generated by hapb lab up from inventory/seed.yml\nall: {}\n');
      expect(labProfileVars([inv])).toEqual([]);
      writeFileSync(inv, 'all: {}\n');
      expect(labProfileVars([inv, join(dir, 'missing.yml')])).toEqual([]);
    } finally {
      if (saved.run === undefined) delete process.env.HAPB_LAB_RUN;
      else process.env.HAPB_LAB_RUN = saved.run;
      if (saved.var === undefined) delete process.env.HAPB_LAB_VAR;
      else process.env.HAPB_LAB_VAR = saved.var;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('certificate expiry', () => {
  it('reads a PEM certificate nginx names: subject, notAfter, days left; an unreadable or bad file is an error', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readCertificate } = await import('../../src/status/probe.js');
    const dir = mkdtempSync(join(tmpdir(), 'hapb-t-cert-'));
    try {
      const crt = join(dir, 'vip.crt');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'vip.key'), '-out', crt, '-days', '30', '-subj', '/CN=192.168.0.150'], { stdio: 'ignore' });
      const exec = async (cmd: string) => {
        const path = /^cat -- '?([^']*)'?$/.exec(cmd)?.[1] ?? '';
        try {
          return { rc: 0, stdout: readFileSync(path, 'utf8'), stderr: '' };
        } catch {
          return { rc: 1, stdout: '', stderr: `cat: ${path}: No such file or directory` };
        }
      };
      const now = Date.now();
      const info = await readCertificate(exec, crt, now);
      expect(info.subject).toBe('CN=192.168.0.150');
      expect(info.daysLeft === 29 || info.daysLeft === 30).toBe(true);
      expect(Math.abs(new Date(info.notAfter ?? '').getTime() - (now + 30 * 86_400_000))).toBeLessThan(120_000);
      expect(await readCertificate(exec, join(dir, 'none.crt'), now)).toEqual({ path: join(dir, 'none.crt'), error: `cat: ${join(dir, 'none.crt')}: No such file or directory` });
      expect((await readCertificate(exec, join(dir, 'vip.key'), now)).error).toMatch(/^not a PEM certificate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
