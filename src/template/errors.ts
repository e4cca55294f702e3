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
  constructor(detail: string, template: string, line?: number, col?: number, hint?: string) {
    const pos = line !== undefined && line > 0 ? { file: template, line, col: col !== undefined && col > 0 ? col : 1 } : undefined;
    const where = pos ? `${pos.file}:${pos.line}:${pos.col}` : template;
    super(`${where}: ${detail}`, { exitCode: ExitCode.invalidInput, ...(hint ? { hint } : {}) });
    this.template = template;
    this.pos = pos;
    this.detail = detail;
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
  ) {
    super(detail);
    this.name = 'RenderFault';
  }
}
