/**
 * Conformance with real Ansible (CONFORMANCE.md): every folder under
 * test/fixtures/conformance/ is a case. Its playbook runs with the local
 * connection under `ansible-playbook` (ansible-core from Debian) and under
 * `hapb run`, each into its own root (`-e root=DIR`). Ansible runs once: the
 * default output on stdout, and the document ansible.posix.json prints
 * (ANSIBLE_STDOUT_CALLBACK=json) written to a file by a notification callback
 * subclassing it (test/fixtures/ansible-callbacks/json_file.py). hapb runs
 * twice: the default output, and `-o json` into a second root. Two cases run
 * at a time (Ansible's one process leaves the other core idle). Asserted, with
 * a diff when they disagree:
 * the files written (path, type, mode, content), the PLAY RECAP lines, the
 * exit code (and case.yml's expect_rc), and the JSON shape (keys at the
 * plays/play/tasks/task/stats levels, task names, each host's status per task,
 * the stats). A case may seed its roots from a `seed/` folder.
 * HAPB_CONFORMANCE=case1,case2 runs only those; HAPB_KEEP_CONFORMANCE=1 keeps the roots.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { hasCommand } from '../helpers/env.js';

const casesDir = join(repoRoot, 'test', 'fixtures', 'conformance');
const cases = existsSync(casesDir)
  ? readdirSync(casesDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(casesDir, d.name, 'playbook.yml')))
      .map((d) => d.name)
      .filter((n) => !process.env.HAPB_CONFORMANCE || process.env.HAPB_CONFORMANCE.split(',').includes(n))
      .sort()
  : [];

const defaultInventory = `all:
  hosts:
    h1:
      ansible_connection: local
      ansible_python_interpreter: /usr/bin/python3
    h2:
      ansible_connection: local
      ansible_python_interpreter: /usr/bin/python3
`;

interface CaseSpec {
  args?: string[];
  expect_rc?: number;
  vault_password?: string;
  /**
   * A deliberate difference: Ansible's exit code where hapb refuses the input
   * at load (expect_rc) and Ansible finds the problem later, at run time.
   */
  ansible_rc?: number;
  /** A deliberate difference: Ansible ran tasks before it stopped, hapb touched no host. */
  files_differ?: boolean;
  /**
   * Comparisons left out because hapb still differs there (an open gap, said
   * in the case's case.yml and in docs/conformance.md): only 'json'.
   */
  known_differences?: 'json'[];
}

interface Run {
  tool: 'ansible' | 'hapb';
  code: number;
  stdout: string;
  stderr: string;
  root: string;
  command: string;
}

function exec(tool: Run['tool'], argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; root: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ tool, code: code ?? -1, stdout, stderr, root: opts.root, command: argv.join(' ') });
    });
  });
}

/** What a root holds: relative path → type, mode and content (the root's own path written as ROOT) */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(abs);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isSymbolicLink()) out[r] = `link -> ${readlinkSync(abs).split(root).join('ROOT')}`;
      else if (st.isDirectory()) {
        out[`${r}/`] = `dir ${mode}`;
        walk(abs, r);
      } else out[r] = `file ${mode}\n${readFileSync(abs, 'utf8').split(root).join('ROOT')}`;
    }
  };
  walk(root, '');
  return out;
}

/** The PLAY RECAP lines, as printed */
function recapLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => /^PLAY RECAP \*+$/.test(l));
  if (at < 0) return [];
  const end = lines.findIndex((l, i) => i > at && l.trim() === '');
  return lines.slice(at + 1, end < 0 ? undefined : end);
}

type Obj = Record<string, unknown>;
const keys = (o: unknown): string[] => (o && typeof o === 'object' ? Object.keys(o).sort() : []);
function status(r: Obj): string {
  if (r.unreachable) return 'unreachable';
  if (r.failed) return 'failed';
  if (r.skipped) return 'skipped';
  return r.changed ? 'changed' : 'ok';
}

/** The JSON document reduced to what both tools must agree on */
function jsonShape(text: string): unknown {
  const doc = JSON.parse(text) as Obj;
  const plays = (doc.plays as Obj[] | undefined) ?? [];
  return {
    keys: keys(doc),
    plays: plays.map((p) => ({
      keys: keys(p),
      play: keys(p.play),
      name: (p.play as Obj | undefined)?.name,
      tasks: ((p.tasks as Obj[] | undefined) ?? []).map((t) => ({
        keys: keys(t),
        task: keys(t.task),
        name: (t.task as Obj | undefined)?.name,
        hosts: Object.fromEntries(Object.entries((t.hosts as Record<string, Obj> | undefined) ?? {}).sort().map(([h, r]) => [h, status(r)])),
      })),
    })),
    stats: doc.stats,
  };
}

/** the end of a run's output, to read when a case fails */
function tail(r: Run): string {
  const t = (s: string): string => s.split('\n').slice(-25).join('\n');
  return `\n--- ${r.tool}: ${r.command} (exit ${r.code})\n${t(r.stdout)}\n--- stderr\n${t(r.stderr)}`;
}

function specOf(name: string): CaseSpec {
  const file = join(casesDir, name, 'case.yml');
  return existsSync(file) ? ((load(readFileSync(file, 'utf8')) as CaseSpec | null) ?? {}) : {};
}

interface CaseRuns {
  /** ansibleJson: the same run as ansible, its stdout the JSON document the callback wrote ('' when none) */
  runs: { ansible: Run; ansibleJson: Run; hapb: Run; hapbJson: Run };
  /** a root as the runs start from it */
  pristine: string;
}

/** run one case: Ansible once (text, and JSON through the callback), hapb twice (text, -o json) */
async function runCase(name: string, work: string): Promise<CaseRuns> {
  const dir = join(casesDir, name);
  const spec = specOf(name);
  const base = join(work, name);
  mkdirSync(base, { recursive: true });
  let inventory = join(dir, 'inventory.yml');
  if (!existsSync(inventory)) {
    inventory = join(base, 'inventory.yml');
    writeFileSync(inventory, defaultInventory);
  }
  const extra = [...(spec.args ?? [])];
  if (spec.vault_password !== undefined) {
    const pw = join(base, 'vault-password');
    writeFileSync(pw, `${spec.vault_password}\n`, { mode: 0o600 });
    extra.push('--vault-password-file', pw);
  }
  const root = (label: string): string => {
    const r = join(base, label);
    mkdirSync(r, { recursive: true });
    if (existsSync(join(dir, 'seed'))) cpSync(join(dir, 'seed'), r, { recursive: true });
    return r;
  };
  const jsonFile = join(base, 'ansible.json');
  const ansibleEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_LOCAL_TEMP: join(base, 'ansible-tmp'),
    ANSIBLE_REMOTE_TEMP: join(base, 'ansible-tmp'),
    ANSIBLE_CALLBACK_PLUGINS: join(repoRoot, 'test', 'fixtures', 'ansible-callbacks'),
    ANSIBLE_CALLBACKS_ENABLED: 'json_file',
    HAPB_JSON_FILE: jsonFile,
  };
  const hapbEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  const ansible = (r: string): string[] => ['ansible-playbook', '-i', inventory, 'playbook.yml', '-e', `root=${r}`, ...extra];
  const hapb = (r: string): string[] => [process.execPath, join(repoRoot, 'bin', 'hapb'), 'run', 'playbook.yml', '-i', inventory, '-e', `root=${r}`, ...extra];
  const [a, h, hj] = [root('ansible'), root('hapb'), root('hapb-json')];
  const pristine = root('pristine');
  const [ansibleRun, hapbRun, hapbJsonRun] = await Promise.all([
    exec('ansible', ansible(a), { cwd: dir, env: ansibleEnv, root: a }),
    exec('hapb', hapb(h), { cwd: dir, env: hapbEnv, root: h }),
    exec('hapb', [...hapb(hj), '-o', 'json'], { cwd: dir, env: hapbEnv, root: hj }),
  ]);
  const json = existsSync(jsonFile) ? readFileSync(jsonFile, 'utf8') : '';
  const ansibleJson: Run = { ...ansibleRun, stdout: json, command: `${ansibleRun.command} (its JSON callback's document)` };
  return { runs: { ansible: ansibleRun, ansibleJson, hapb: hapbRun, hapbJson: hapbJsonRun }, pristine };
}

describe('conformance with ansible-playbook', () => {
  let work: string;
  beforeAll(() => {
    // CI installs ansible-core (scripts/setup.sh): a missing ansible-playbook is a failure, never a skip
    if (!hasCommand('ansible-playbook')) throw new Error('ansible-playbook is not installed: apt-get install -y ansible-core ansible (scripts/setup.sh)');
    if (!existsSync(join(repoRoot, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    work = mkdtempSync(join(tmpdir(), 'hapb-conformance-'));
  });
  afterAll(() => {
    if (work && !process.env.HAPB_KEEP_CONFORMANCE) rmSync(work, { recursive: true, force: true });
  });

  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  // each case's beforeAll starts its runs and the next case's, so two cases run at a time
  const pending = new Map<string, Promise<CaseRuns>>();
  const runsOf = (i: number): Promise<CaseRuns> => {
    for (const name of cases.slice(i, i + 2)) {
      if (pending.has(name)) continue;
      const p = runCase(name, work);
      p.catch(() => undefined); // awaited by its own beforeAll, which reports the error
      pending.set(name, p);
    }
    return pending.get(cases[i]!)!;
  };

  cases.forEach((name, i) => {
    describe(name, () => {
      const spec = specOf(name);
      const runs: Partial<CaseRuns['runs']> = {};
      // hapb refuses at load what Ansible finds only at run time: exit codes and "nothing touched" are compared
      const deliberate = spec.ansible_rc !== undefined || spec.files_differ === true;
      let pristine = '';

      beforeAll(async () => {
        const got = await runsOf(i);
        Object.assign(runs, got.runs);
        pristine = got.pristine;
      }, 600_000);

      const both = (): string => tail(runs.ansible!) + tail(runs.hapb!);

      if (deliberate) {
        it(`exit code ${spec.expect_rc ?? 0} (Ansible: ${spec.ansible_rc ?? spec.expect_rc ?? 0}, a deliberate difference), and hapb touched no host`, () => {
          expect(runs.ansible!.code, `ansible-playbook, not hapb, disagrees with case.yml${both()}`).toBe(spec.ansible_rc ?? spec.expect_rc ?? 0);
          expect(runs.hapb!.code, both()).toBe(spec.expect_rc ?? 0);
          expect(runs.hapbJson!.code, tail(runs.hapbJson!)).toBe(spec.expect_rc ?? 0);
          expect(snapshot(runs.hapb!.root), both()).toEqual(snapshot(pristine));
          expect(snapshot(runs.hapbJson!.root), tail(runs.hapbJson!)).toEqual(snapshot(pristine));
        });
        return;
      }

      it(`exit code ${spec.expect_rc ?? 0}, the same as Ansible's`, () => {
        expect(runs.ansible!.code, `ansible-playbook, not hapb, disagrees with case.yml${both()}`).toBe(spec.expect_rc ?? 0);
        expect(runs.hapb!.code, both()).toBe(runs.ansible!.code);
        expect(runs.hapbJson!.code, tail(runs.hapbJson!)).toBe(runs.ansibleJson!.code);
      });

      it('the same files (path, type, mode, content)', () => {
        expect(snapshot(runs.hapb!.root), both()).toEqual(snapshot(runs.ansible!.root));
        expect(snapshot(runs.hapbJson!.root), tail(runs.hapbJson!)).toEqual(snapshot(runs.ansibleJson!.root));
      });

      it('the same PLAY RECAP lines', () => {
        const expected = recapLines(runs.ansible!.stdout);
        // no recap only when Ansible refused the playbook before any play ran
        if (expected.length === 0) expect(runs.ansible!.code, both()).not.toBe(0);
        expect(recapLines(runs.hapb!.stdout), both()).toEqual(expected);
      });

      if (spec.known_differences?.includes('json')) return;

      it('the same JSON shape (-o json / ansible.posix.json)', () => {
        const parse = (r: Run): unknown => {
          // a playbook refused before any play: neither tool writes a JSON document
          if (r.stdout.trim() === '' && r.code !== 0) return null;
          try {
            return jsonShape(r.stdout);
          } catch (err) {
            throw new Error(`${r.tool}: stdout is not JSON (${String(err)})${tail(r)}`);
          }
        };
        expect(parse(runs.hapbJson!), tail(runs.ansibleJson!) + tail(runs.hapbJson!)).toEqual(parse(runs.ansibleJson!));
      });
    });
  });
});
