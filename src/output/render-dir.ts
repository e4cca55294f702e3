/**
 * The output directory of `hapb render -o DIR`: written whole or not at all,
 * and never in place of something hapb render did not write.
 *
 * DIR may be missing, empty, or a directory an earlier `hapb render` wrote
 * (it holds the marker file MARKER). Anything else (a non-empty directory
 * without the marker, a file, a symbolic link) is refused unless `force` is
 * given; even with `force`, hapb refuses `/`, the home directory, the current
 * directory or one of its parents, and a directory holding one of the inputs.
 * The files are written into a sibling temp directory first, then swapped in
 * with two renames; the temp and old copies of a killed run are removed by the next.
 */
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ExitCode, HapbError } from '../errors/index.js';

/** The file that says hapb render wrote the directory. */
export const RENDER_MARKER = '.hapb-render';

export interface OutputFile {
  /** path below the output directory */
  path: string;
  content: string | Buffer;
}

export interface RenderDirOptions {
  /** replace a directory hapb render did not write */
  force?: boolean;
  /** input files (playbook, inventory...) that must not be inside the output */
  inputs?: string[];
}

function refuse(message: string, hint: string): never {
  throw new HapbError(message, { exitCode: ExitCode.invalidInput, hint });
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Throws an input error (exit 4) when `dir` may not be replaced; does nothing on disk. */
export function checkRenderDir(dir: string, opts: RenderDirOptions = {}): void {
  const out = resolve(dir);
  if (out === resolve('/') || out === resolve(homedir())) refuse(`refusing to render into ${out}`, 'give a directory of its own, e.g. -o out/render');
  if (isInside(process.cwd(), out)) {
    refuse(`refusing to render into ${dir}: it holds the current directory`, 'give a directory of its own, e.g. -o out/render');
  }
  for (const input of opts.inputs ?? []) {
    if (isInside(resolve(input), out)) refuse(`refusing to render into ${dir}: it holds the input ${input}`, 'give a directory of its own, e.g. -o out/render');
  }
  let st;
  try {
    st = lstatSync(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new HapbError(`cannot use ${dir} as the output directory: ${(err as Error).message}`, { exitCode: ExitCode.invalidInput });
  }
  const hint = 'hapb render replaces its output directory as a whole: give a new or empty directory';
  if (st.isSymbolicLink()) refuse(`${dir} is a symbolic link, not a directory hapb render wrote`, `${hint}, or the link's target`);
  if (!st.isDirectory()) refuse(`${dir} exists and is not a directory`, hint);
  const entries = readdirSync(out);
  if (entries.length === 0 || entries.includes(RENDER_MARKER) || opts.force) return;
  refuse(
    `${dir} is not empty and was not written by hapb render (no ${RENDER_MARKER} in it): refusing to replace it`,
    `${hint}, or add --force to replace it with everything in it`,
  );
}

/** Remove `BASE.hapb-tmp-PID` and `BASE.hapb-old-PID` beside `out` left by a run that was killed. */
function removeStale(out: string): void {
  const parent = dirname(out);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const re = new RegExp(`^${basename(out).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.hapb-(?:tmp|old)-(\\d+)$`);
  for (const name of names) {
    const pid = Number(re.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Write `files` as the whole content of `dir` (checked with checkRenderDir),
 * plus the marker. On any error nothing at `dir` has changed.
 */
export function writeRenderDir(dir: string, files: readonly OutputFile[], opts: RenderDirOptions = {}): void {
  checkRenderDir(dir, opts);
  const out = resolve(dir);
  mkdirSync(dirname(out), { recursive: true });
  removeStale(out);
  const tmp = `${out}.hapb-tmp-${process.pid}`;
  const old = `${out}.hapb-old-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp, { mode: 0o755 });
    for (const f of files) {
      const path = resolve(tmp, f.path);
      if (!path.startsWith(tmp + sep)) throw new HapbError(`${f.path} escapes the output directory`, { exitCode: ExitCode.invalidInput });
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.content);
    }
    writeFileSync(join(tmp, RENDER_MARKER), 'written by hapb render; the next `hapb render -o` into this directory replaces it as a whole\n');
    let moved = false;
    try {
      renameSync(out, old);
      moved = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      renameSync(tmp, out);
    } catch (err) {
      if (moved) renameSync(old, out);
      throw err;
    }
    if (moved) rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
