/**
 * hapb vault and the real ansible-vault (Debian's ansible-core) open each
 * other's files and strings, with and without vault id labels; hapb run
 * decrypts vaulted vars files and inline values made by ansible-vault.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command without blocking the test worker (ansible-playbook takes seconds on a loaded box). */
function run(cmd: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ANSIBLE_NOCOLOR: '1', NO_COLOR: '1', ...opts.env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(opts.input ?? '');
  });
}

const ansibleVault = (args: string[], input = ''): Promise<Result> => run('ansible-vault', args, { input });
const hapb = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Result> =>
  run(process.execPath, [join(repoRoot, 'bin', 'hapb'), ...args], opts);

const PLAIN = 'db_password: "pässword-42"\nusers:\n  - alice\n';

describe('hapb vault and ansible-vault', () => {
  let dir: string;
  let pw: string;
  let pw2: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hapb-vault-it-'));
    pw = join(dir, 'pw');
    pw2 = join(dir, 'pw2');
    writeFileSync(pw, 'first-password\n');
    writeFileSync(pw2, 'second-password\n');
    writeFileSync(join(dir, 'inv.yml'), 'all:\n  hosts:\n    localhost: {ansible_connection: local, ansible_python_interpreter: /usr/bin/python3}\n');
  });

  it.each([
    ['no label', ['--vault-password-file'], '$ANSIBLE_VAULT;1.1;AES256'],
    ['a label', ['--vault-id'], '$ANSIBLE_VAULT;1.2;AES256;prod'],
  ])('a file encrypted by hapb (%s) opens in ansible-vault, and the reverse', async (_what, flag, header) => {
    const source = flag[0] === '--vault-id' ? `prod@${pw}` : pw;
    const ours = join(dir, `ours-${header.length}.yml`);
    writeFileSync(ours, PLAIN);
    const enc = await hapb(['vault', 'encrypt', ours, ...flag, source]);
    expect(enc.code, enc.stderr).toBe(0);
    const text = readFileSync(ours, 'utf8');
    expect(text.split('\n')[0]).toBe(header);
    expect(text).not.toContain('alice');
    expect(text.endsWith('\n')).toBe(true);
    const view = await ansibleVault(['view', ours, ...flag, source]);
    expect(view.code, view.stderr).toBe(0);
    expect(view.stdout).toBe(PLAIN);

    const theirs = join(dir, `theirs-${header.length}.yml`);
    writeFileSync(theirs, PLAIN);
    expect((await ansibleVault(['encrypt', theirs, ...flag, source])).code).toBe(0);
    expect(readFileSync(theirs, 'utf8').split('\n')[0]).toBe(header);
    const v = await hapb(['vault', 'view', theirs, ...flag, source]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe(PLAIN);
    const d = await hapb(['vault', 'decrypt', theirs, ...flag, source]);
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(theirs, 'utf8')).toBe(PLAIN);
  });

  it('encrypt_string: the same YAML block as ansible-vault, each opening the other', async () => {
    const ours = await hapb(['vault', 'encrypt_string', '--vault-id', `dev@${pw}`, 'inline sécret', '--name', 'api_token']);
    expect(ours.code, ours.stderr).toBe(0);
    const theirs = await ansibleVault(['encrypt_string', '--vault-id', `dev@${pw}`, 'inline sécret', '--name', 'api_token']);
    const shape = (s: string): string => s.replace(/[0-9a-f]{80}|[0-9a-f]+$/gm, 'HEX');
    expect(shape(ours.stdout)).toBe(shape(theirs.stdout));
    expect(ours.stdout.endsWith('\n')).toBe(false);
    // both decrypt the other's value through a playbook's vars file
    const play = join(dir, 'debug.yml');
    writeFileSync(play, '- hosts: localhost\n  gather_facts: false\n  vars_files: [vars.yml]\n  tasks:\n    - copy: {content: "{{ api_token }}", dest: "{{ out }}"}\n');
    const inv = join(dir, 'inv.yml');
    for (const [maker, block] of [['hapb', ours.stdout], ['ansible', theirs.stdout]] as const) {
      writeFileSync(join(dir, 'vars.yml'), `${block}\n`);
      const outA = join(dir, `a-${maker}`);
      const a = await run('ansible-playbook', ['-i', inv, play, '--vault-id', `dev@${pw}`, '-e', `out=${outA}`]);
      expect(a.code, a.stdout).toBe(0);
      expect(readFileSync(outA, 'utf8')).toBe('inline sécret');
      const outH = join(dir, `h-${maker}`);
      const h = await hapb(['run', play, '-i', inv, '--vault-id', `dev@${pw}`, '-e', `out=${outH}`]);
      expect(h.code, h.stderr + h.stdout).toBe(0);
      expect(readFileSync(outH, 'utf8')).toBe('inline sécret');
      expect(h.stdout).not.toContain('inline sécret');
    }
  });

  it('rekey: ansible-vault opens the file with the new password only', async () => {
    const f = join(dir, 'rekey.yml');
    writeFileSync(f, PLAIN);
    expect((await ansibleVault(['encrypt', f, '--vault-password-file', pw])).code).toBe(0);
    const r = await hapb(['vault', 'rekey', f, '--vault-password-file', pw, '--new-vault-password-file', pw2]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Rekey successful');
    expect((await ansibleVault(['view', f, '--vault-password-file', pw])).code).not.toBe(0);
    expect((await ansibleVault(['view', f, '--vault-password-file', pw2])).stdout).toBe(PLAIN);
  });

  it('edit: re-encrypts what the editor changed, keeping the label; a password script and --ask-vault-pass work', async () => {
    const f = join(dir, 'edit.yml');
    writeFileSync(f, PLAIN);
    expect((await ansibleVault(['encrypt', f, '--vault-id', `ops@${pw}`])).code).toBe(0);
    chmodSync(f, 0o640);
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\necho "added: yes" >> "$1"\n');
    chmodSync(editor, 0o755);
    const script = join(dir, 'get-pw.sh');
    writeFileSync(script, `#!/bin/sh\ncat ${pw}\n`);
    chmodSync(script, 0o755);
    const e = await hapb(['vault', 'edit', f, '--vault-id', `ops@${script}`], { env: { EDITOR: editor } });
    expect(e.code, e.stderr).toBe(0);
    expect(readFileSync(f, 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;ops');
    expect(statSync(f).mode & 0o777).toBe(0o640);
    expect((await ansibleVault(['view', f, '--vault-id', `ops@${pw}`])).stdout).toBe(`${PLAIN}added: yes\n`);
    const asked = await hapb(['vault', 'view', f, '--ask-vault-pass'], { input: 'first-password\n' });
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toBe(`${PLAIN}added: yes\n`);
  });

  it('hapb run: a vaulted vars file without a password is exit 4 naming the file, never its content', async () => {
    const f = join(dir, 'secret-vars.yml');
    writeFileSync(f, PLAIN);
    expect((await ansibleVault(['encrypt', f, '--vault-password-file', pw])).code).toBe(0);
    const play = join(dir, 'needs.yml');
    writeFileSync(play, `- hosts: localhost\n  gather_facts: false\n  vars_files: [${f}]\n  tasks:\n    - debug: {msg: "{{ users | length }} users, {{ db_password }}"}\n`);
    const r = await hapb(['run', play, '-i', join(dir, 'inv.yml')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${f}:1:1: a vault-encrypted file: no vault password was given`);
    expect(r.stderr + r.stdout).not.toMatch(/ANSIBLE_VAULT|[0-9a-f]{32}/);
    const wrong = await hapb(['run', play, '-i', join(dir, 'inv.yml'), '--vault-password-file', pw2]);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain('Decryption failed');
    const ok = await hapb(['run', play, '-i', join(dir, 'inv.yml'), '--vault-password-file', pw]);
    expect(ok.code, ok.stderr).toBe(0);
    // every value of a vaulted file is a secret: masked in output
    expect(ok.stdout).toContain('1 users, ********');
    expect(ok.stdout).not.toContain('pässword-42');
  });
});
