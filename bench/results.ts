/**
 * A bench's figures, printed and kept: `out()` prints a line on stdout and
 * records it; `save()` writes them to bench/results/<YYYY-MM-DD>-<name>.md
 * with what the figures depend on: the command line, the commit, the cores
 * and the load average at the start and at the end (the box is often shared,
 * and a loaded box inflates every timing). A second run on the same day gets
 * a numbered file (…-<name>-2.md), so earlier figures are never overwritten.
 * The docs link these files; they hold no measurements of their own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(import.meta.dirname, '..');

function loadNow(): string {
  return loadavg().map((x) => x.toFixed(2)).join(' ');
}

function commit(): string {
  try {
    const head = execFileSync('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty === '' ? head : `${head} (with uncommitted changes)`;
  } catch {
    return 'unknown';
  }
}

export interface Results {
  /** the commit the bench runs (read when it started; "(with uncommitted changes)" when dirty) */
  readonly commit: string;
  /** where save() will write, and its stem for companion files (…/<date>-<name>[-N]) */
  readonly stem: string;
  /** print a line on stdout and keep it for the result file */
  out(line?: string): void;
  /** write the result file; returns its path relative to the repository */
  save(): string;
}

/**
 * `script`: the bench's `import.meta.url` (vite-node hides it from process.argv),
 * `name`: the result file name's tail, `title`: the file's heading
 */
export function results(script: string, name: string, title: string): Results {
  const started = new Date();
  const loadStart = loadNow();
  // the code that runs: read now, not at save (a commit made while a long bench runs is not what it ran)
  const ranAt = commit();
  const lines: string[] = [];
  const dir = join(repo, 'bench', 'results');
  const date = started.toISOString().slice(0, 10);
  // the file is chosen at the start, so companion files (a run log) share its name
  let stem = join(dir, `${date}-${name}`);
  for (let n = 2; existsSync(`${stem}.md`); n++) stem = join(dir, `${date}-${name}-${n}`);
  return {
    commit: ranAt,
    stem,
    out(line = '') {
      console.log(line);
      lines.push(line);
    },
    save() {
      mkdirSync(dir, { recursive: true });
      let file = `${stem}.md`;
      // another run of the same bench saved first: the next free number
      for (let n = 2; existsSync(file); n++) file = join(dir, `${date}-${name}-${n}.md`);
      const cmd = ['npx vite-node', relative(repo, fileURLToPath(script)), ...process.argv.slice(2)].join(' ');
      const head = [
        `# ${title}`,
        '',
        `- command: \`${cmd}\``,
        `- started: ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, took ${Math.round((Date.now() - started.getTime()) / 1000)} s`,
        `- commit: ${ranAt}`,
        `- machine: ${cpus().length} cores; load average (1/5/15 min) ${loadStart} at the start, ${loadNow()} at the end`,
        '',
      ];
      // The printed lines are a Markdown table or plain aligned text: keep plain text as is.
      const table = lines.some((l) => l.startsWith('| '));
      const body = table ? lines : ['```', ...lines, '```'];
      writeFileSync(file, `${[...head, ...body].join('\n')}\n`);
      const rel = relative(repo, file);
      process.stderr.write(`results written to ${rel}\n`);
      return rel;
    },
  };
}
