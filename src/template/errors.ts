/** Errors of templating: a bad template, an undefined variable, a filter failing. */
import { ExitCode, HapbError, type SourcePos } from '../errors/index.js';

/**
 * A template could not be rendered. `template` names the file (or the name
 * given for a string template); line and col are 1-based when known.
 * Message: `roles/x/templates/a.conf.j2:12:5: undefined variable 'vrrp_priorty'`.
 */
export class TemplateError extends HapbError {
  readonly template: string;
  readonly pos: SourcePos | undefined;
  readonly detail: string;
  /** the name of the undefined variable, when that is the error (also through a variable's value) */
  readonly undefinedName: string | undefined;
  constructor(detail: string, template: string, line?: number, col?: number, hint?: string, undefinedName?: string) {
    const pos = line !== undefined && line > 0 ? { file: template, line, col: col !== undefined && col > 0 ? col : 1 } : undefined;
    const where = pos ? `${pos.file}:${pos.line}:${pos.col}` : template;
    super(`${where}: ${detail}`, { exitCode: ExitCode.invalidInput, ...(hint ? { hint } : {}) });
    this.template = template;
    this.pos = pos;
    this.detail = detail;
    this.undefinedName = undefinedName;
  }
}

/**
 * Thrown inside a render by our runtime helpers (undefined variable, recursive
 * variable...). It knows its own template and position, so it survives
 * nunjucks' wrapping intact; the templater turns it into a TemplateError.
 */
export class RenderFault extends Error {
  constructor(
    readonly detail: string,
    readonly template: string,
    readonly line: number,
    readonly col: number,
    readonly hint?: string,
    readonly undefinedName?: string,
  ) {
    super(detail);
    this.name = 'RenderFault';
  }
}

/** Errors of a one-line inline template quote it instead of giving `label:1:col`. */
export function withSource(err: unknown, source: string, label: string): unknown {
  if (!(err instanceof TemplateError) || err.template !== label || source.includes('\n') || !err.pos) return err;
  return new TemplateError(`${err.detail} in '${source}'`, label, undefined, undefined, err.hint, err.undefinedName);
}

/** Turn whatever a render threw into a TemplateError naming the template and position. */
export function toTemplateError(err: unknown, name: string, colOffset = 0): TemplateError {
  if (err instanceof TemplateError) return err;
  const cause = (err as { cause?: unknown } | null)?.cause;
  for (const e of [err, cause]) {
    if (e instanceof TemplateError) return e;
    // a lookup known only at run time, or one that failed (the run fails the task, as Ansible)
    if (e instanceof Error && (e.name === 'RunTimeOnlyLookup' || e.name === 'LookupFailed')) {
      const line = (err as { lineno?: number }).lineno;
      const col = (err as { colno?: number }).colno;
      return new TemplateError(e.message, name, typeof line === 'number' ? line + 1 : undefined, typeof col === 'number' ? col + 1 : undefined, undefined, (e as Error & { undefinedName: string }).undefinedName);
    }
    if (e instanceof RenderFault) {
      const col = e.template === name && e.line === 1 ? e.col - colOffset : e.col;
      return new TemplateError(e.detail, e.template, e.line, col, e.hint, e.undefinedName);
    }
  }
  const e = err as { message?: string; lineno?: number; colno?: number };
  const message = String(e.message ?? err);
  const paths = [...message.matchAll(/^\s*\(([^)\n]*)\)/gm)].map((m) => m[1]);
  const innermost = paths[paths.length - 1];
  const template = innermost && innermost !== 'unknown path' ? innermost : name;
  const detail =
    cause instanceof Error ? cause.message : message.split('\n').map((l) => l.trim()).filter((l) => l && !/^\(.*\)/.test(l)).join(' ') || message;
  const line = typeof e.lineno === 'number' ? e.lineno + 1 : undefined;
  let col = typeof e.colno === 'number' ? e.colno + 1 : undefined;
  if (col !== undefined && line === 1 && template === name) col = Math.max(1, col - colOffset);
  return new TemplateError(detail, template, line, col);
}
