/**
 * HTTPS in role nginx_director, with the real tools:
 *  - real ansible-playbook and hapb run the role's TLS tasks (a copy of the
 *    role whose handler only prints) on the local connection into temp
 *    folders: the same files, the key 0600 and root's, the ticket keys the
 *    controller's 80 bytes; no line of the private key in either output; a
 *    second run changes nothing; a forced rotation shifts the keys once;
 *  - the nginx.conf hapb renders with HTTPS passes `nginx -t` with those files
 *    (private mount namespace: /etc/nginx is a copy), in every variant
 *    (redirect, HSTS, stapling, no tickets), and a key of another certificate
 *    fails it: nothing goes live that nginx would refuse; the stream block
 *    option (TCP services) passes it too.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import { renderPlaybook } from '../../src/engine/render.js';
import type { Vars } from '../../src/engine/types.js';
import { loadInventory } from '../../src/inventory/index.js';
import { makeCaAndCert, type TlsFiles } from '../../src/lab/tls.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { hapb, repoRoot } from '../helpers/cli.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';

const ready = canUseNamespaces && hasCommand('ansible-playbook') && hasCommand('nginx') && hasCommand('openssl');

interface Run {
  code: number;
  out: string;
}
function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ANSIBLE_NOCOLOR: '1', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

let dir = '';
let tls: TlsFiles;
let other: TlsFiles;
let roles = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `hapb-t-nginx-tls-${process.pid}-`));
  tls = await makeCaAndCert(join(dir, 'pki'), { label: 'test', ips: ['192.168.0.150'], dns: ['vip.test.lab'] });
  other = await makeCaAndCert(join(dir, 'pki-other'), { label: 'other', ips: ['192.168.0.150'] });
  // the role as it is, but its handler only prints (nothing to reload here)
  roles = join(dir, 'roles');
  const role = join(roles, 'nginx_director');
  mkdirSync(join(role, 'handlers'), { recursive: true });
  for (const sub of ['defaults', 'tasks', 'templates', 'meta', 'files']) symlinkSync(join(repoRoot, 'roles', 'nginx_director', sub), join(role, sub));
  writeFileSync(join(role, 'handlers', 'main.yml'), '- name: Reload nginx\n  ansible.builtin.debug:\n    msg: reload\n');
  writeFileSync(join(dir, 'inv.yml'), 'all:\n  hosts:\n    d1:\n      ansible_connection: local\n      ansible_python_interpreter: /usr/bin/python3\n');
  writeFileSync(
    join(dir, 'play.yml'),
    '- name: TLS files\n  hosts: all\n  gather_facts: false\n  tasks:\n    - name: The role\'s TLS tasks\n      ansible.builtin.import_role:\n        name: nginx_director\n        tasks_from: tls\n',
  );
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tlsVars = (tag: string, extra: string[] = []): string[] => [
  '-e', 'nginx_director_tls=true',
  '-e', `nginx_director_tls_cert_file=${tls.cert}`,
  '-e', `nginx_director_tls_key_file=${tls.key}`,
  '-e', `nginx_director_tls_dir=${join(dir, tag, 'etc')}`,
  '-e', `nginx_director_tls_ticket_key_dir=${join(dir, tag, 'tickets')}`,
  ...extra,
];

function listing(d: string): Record<string, { mode: string; uid: number; size: number }> {
  const out: Record<string, { mode: string; uid: number; size: number }> = {};
  for (const name of readdirSync(d).sort()) {
    const s = statSync(join(d, name));
    out[name.replace(/-[0-9a-f]{12}\./, '-HASH.')] = { mode: (s.mode & 0o777).toString(8), uid: s.uid, size: s.size };
  }
  return out;
}

/** the lines of the private key between its BEGIN and END lines */
const keyLines = (): string[] => readFileSync(tls.key, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('-----'));

const recap = (out: string): string => /d1\s+: (ok=\d+\s+changed=\d+\s+unreachable=\d+\s+failed=\d+)/.exec(out)?.[1]?.replace(/\s+/g, ' ') ?? `no recap in:\n${out}`;

describe.skipIf(!ready)('role nginx_director: HTTPS files under real Ansible and hapb', () => {
  it('both tools install the same files: key 0600 root, the controller\'s ticket keys, no key line printed; a second run changes nothing', { timeout: 300_000 }, async () => {
    const env = { ANSIBLE_ROLES_PATH: roles };
    const a = await run('ansible-playbook', [join(dir, 'play.yml'), '-i', join(dir, 'inv.yml'), '--diff', ...tlsVars('ansible')], env);
    expect(a.code, a.out).toBe(0);
    const h = hapb(['run', join(dir, 'play.yml'), '-i', join(dir, 'inv.yml'), '--diff', '-v', ...tlsVars('hapb')], { env });
    expect(h.code, h.stdout + h.stderr).toBe(0);
    for (const out of [a.out, h.stdout + h.stderr]) for (const line of keyLines()) expect(out).not.toContain(line);

    const files = listing(join(dir, 'hapb', 'etc'));
    expect(listing(join(dir, 'ansible', 'etc'))).toEqual(files);
    expect(files).toEqual({
      'ffdhe2048.pem': { mode: '644', uid: 0, size: expect.any(Number) as number },
      'ticket.0.key': { mode: '600', uid: 0, size: 80 },
      'ticket.1.key': { mode: '600', uid: 0, size: 80 },
      'vip-HASH.crt': { mode: '644', uid: 0, size: expect.any(Number) as number },
      'vip-HASH.key': { mode: '600', uid: 0, size: expect.any(Number) as number },
    });
    // same names (the hash of certificate and key) and same bytes in both tools
    expect(readdirSync(join(dir, 'ansible', 'etc')).sort()).toEqual(readdirSync(join(dir, 'hapb', 'etc')).sort());
    for (const name of readdirSync(join(dir, 'hapb', 'etc')).filter((n) => n.startsWith('vip-'))) {
      expect(readFileSync(join(dir, 'hapb', 'etc', name))).toEqual(readFileSync(join(dir, 'ansible', 'etc', name)));
    }
    for (const tag of ['ansible', 'hapb']) {
      for (const i of [0, 1]) expect(readFileSync(join(dir, tag, 'etc', `ticket.${i}.key`))).toEqual(readFileSync(join(dir, tag, 'tickets', `ticket.${i}.key`)));
      expect((statSync(join(dir, tag, 'tickets')).mode & 0o777).toString(8)).toBe('700');
    }
    expect(readFileSync(join(dir, 'hapb', 'tickets', 'ticket.0.key'))).not.toEqual(readFileSync(join(dir, 'hapb', 'tickets', 'ticket.1.key')));

    const again = hapb(['run', join(dir, 'play.yml'), '-i', join(dir, 'inv.yml'), ...tlsVars('hapb')], { env });
    expect(recap(again.stdout)).toBe('ok=9 changed=0 unreachable=0 failed=0');
    const ansibleAgain = await run('ansible-playbook', [join(dir, 'play.yml'), '-i', join(dir, 'inv.yml'), ...tlsVars('ansible')], env);
    expect(recap(ansibleAgain.out)).toBe('ok=9 changed=0 unreachable=0 failed=0');
  });

  it('a forced rotation makes a new first key and keeps the old one second, once per run', { timeout: 120_000 }, async () => {
    const env = { ANSIBLE_ROLES_PATH: roles };
    const t = join(dir, 'hapb', 'tickets');
    const before = readFileSync(join(t, 'ticket.0.key'));
    const r = hapb(['run', join(dir, 'play.yml'), '-i', join(dir, 'inv.yml'), ...tlsVars('hapb', ['-e', 'nginx_director_tls_ticket_key_rotate=true'])], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // made less than 10 minutes ago: this run's own key, so not rotated again (the play runs once per serial batch)
    expect(readFileSync(join(t, 'ticket.0.key'))).toEqual(before);
    // age it, as a key made in an earlier run
    const old = new Date(Date.now() - 3600_000);
    const { utimesSync } = await import('node:fs');
    utimesSync(join(t, 'ticket.0.key'), old, old);
    const rotated = hapb(['run', join(dir, 'play.yml'), '-i', join(dir, 'inv.yml'), ...tlsVars('hapb', ['-e', 'nginx_director_tls_ticket_key_rotate=true'])], { env });
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    // the script and the copy of the new keys changed; the handler ran
    expect(recap(rotated.stdout)).toBe('ok=10 changed=2 unreachable=0 failed=0');
    expect(readFileSync(join(t, 'ticket.1.key'))).toEqual(before);
    expect(readFileSync(join(t, 'ticket.0.key'))).not.toEqual(before);
    expect(readFileSync(join(dir, 'hapb', 'etc', 'ticket.0.key'))).toEqual(readFileSync(join(t, 'ticket.0.key')));
    expect(readFileSync(join(dir, 'hapb', 'etc', 'ticket.1.key'))).toEqual(before);
  });
});

describe.skipIf(!ready)('role nginx_director: the HTTPS nginx.conf passes nginx -t with its files', () => {
  const playbook = loadPlaybook(join(repoRoot, 'playbooks', 'site.yml'), { modules: moduleCatalog });
  const tickets = (): string => join(dir, 'render-tickets');

  /** render master's TLS files and nginx.conf, install them in a copy of /etc/nginx, run the validate command there */
  async function nginxT(vars: Vars, keyFile?: string): Promise<Run> {
    const inventory = loadInventory(join(repoRoot, 'inventory', 'seed.yml'));
    // the ticket keys exist on the controller before a render (the real run makes them)
    await run('sh', [join(repoRoot, 'roles', 'nginx_director', 'files', 'ticket-keys.sh'), tickets(), '3', '0', 'false', 'false']);
    const extraVars: Vars = {
      nginx_director_tls: true,
      nginx_director_tls_cert_file: tls.cert,
      nginx_director_tls_key_file: keyFile ?? tls.key,
      nginx_director_tls_ticket_key_dir: tickets(),
      ...vars,
    };
    const files = (await renderPlaybook({ playbook, inventory, extraVars })).filter((f) => f.host === 'master');
    const etc = mkdtempSync(join(dir, 'etc-nginx-'));
    cpSync('/etc/nginx', etc, { recursive: true });
    const conf = files.find((f) => f.dest === '/etc/nginx/nginx.conf');
    if (!conf?.validate) throw new Error('no nginx.conf with a validate command');
    for (const f of files.filter((x) => x.dest.startsWith('/etc/nginx/tls/'))) {
      const dest = join(etc, f.dest.slice('/etc/nginx/'.length));
      mkdirSync(join(etc, 'tls'), { recursive: true });
      // ticket keys are binary: the controller's files, not the render's text
      const name = f.dest.split('/').pop() ?? '';
      if (name.startsWith('ticket.')) cpSync(join(tickets(), name), dest);
      else writeFileSync(dest, f.content);
    }
    const confPath = join(dir, `nginx-${Math.random().toString(36).slice(2)}.conf`);
    writeFileSync(confPath, conf.content);
    return run('unshare', ['--mount', '--propagation', 'private', 'sh', '-ec', `mount --bind '${etc}' /etc/nginx; ${conf.validate.replace('%s', confPath)} 2>&1`]);
  }

  it.each([
    ['defaults', {}],
    ['redirect, HSTS, 3 ticket keys, port 8443', { nginx_director_tls_redirect: true, nginx_director_tls_hsts_max_age: 63072000, nginx_director_tls_ticket_keys_kept: 3, nginx_director_tls_port: 8443 }],
    ['no session tickets, no HTTP/2, no DHE', { nginx_director_tls_session_tickets: false, nginx_director_tls_http2: false, nginx_director_tls_dhparam: '' }],
  ] as const)('%s', { timeout: 60_000 }, async (_name, vars) => {
    const r = await nginxT(vars);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('stapling "always" with a certificate that names no responder: nginx warns (what "auto" avoids)', { timeout: 60_000 }, async () => {
    const r = await nginxT({ nginx_director_tls_ocsp_stapling: 'always' });
    expect(r.out).toContain('"ssl_stapling" ignored, no OCSP responder URL in the certificate');
    expect(r.code).toBe(0);
  });

  it('a stream block (TCP services, Debian\'s libnginx-mod-stream) beside HTTPS passes nginx -t', { timeout: 60_000 }, async () => {
    const streams = [
      { name: 'pg', port: 5432, backend_port: 5432 },
      { name: 'redis', port: 6379, backend_port: 6380, balance: 'least_conn', connect_timeout: '2s', timeout: '1h' },
    ];
    const r = await nginxT({ nginx_director_streams: streams });
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
    const conf = (await renderPlaybook({ playbook, inventory: loadInventory(join(repoRoot, 'inventory', 'seed.yml')), extraVars: { nginx_director_streams: streams } }))
      .find((f) => f.host === 'master' && f.dest === '/etc/nginx/nginx.conf')?.content ?? '';
    expect(conf).toContain('load_module /usr/lib/nginx/modules/ngx_stream_module.so;');
    expect(conf).toMatch(/upstream redis \{\n\s+least_conn;\n\s+server 192\.168\.0\.42:6380 max_fails=1 fail_timeout=5s; {2}# web1/);
    expect(conf).toMatch(/listen 5432;\n\s+proxy_pass pg;/);
  });

  it('a key of another certificate fails nginx -t', { timeout: 60_000 }, async () => {
    const r = await nginxT({}, other.key);
    expect(r.out).toContain('key values mismatch');
    expect(r.code).not.toBe(0);
  });
});
