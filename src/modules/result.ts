/** Turning errors into failed results, in one place. */
import { errorMessage, HapbError, ModuleError } from '../errors/index.js';
import type { ModulePlan } from './types.js';

/** The result data of a failure: msg plus rc/stdout/stderr when the error carries them. */
export function failureData(err: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { failed: true, msg: err instanceof HapbError ? err.message : errorMessage(err) };
  if (err instanceof ModuleError) {
    if (err.rc !== undefined) out.rc = err.rc;
    if (err.stdout !== undefined) out.stdout = err.stdout;
    if (err.stderr !== undefined) out.stderr = err.stderr;
    if (err.hint !== undefined) out.msg = `${err.message}: ${err.hint}`;
  }
  return out;
}

/** A plan that reports a failure found while checking. */
export function failedPlan(msg: string, data: Record<string, unknown> = {}): ModulePlan {
  return { changed: false, failed: true, msg, data };
}
