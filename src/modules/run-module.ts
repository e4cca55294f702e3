/**
 * The module half of the task pipeline, in one place for every module:
 * check (read only), refresh and check again, then either show the plan
 * (check mode) or run its steps, and normalize what came out into a
 * TaskResult. The engine calls it; module tests call it too, so they assert
 * the result the user sees.
 */
import { newResult, type TaskResult } from '../core/types.js';
import { describeStep, runSteps } from './steps.js';
import type { ApplyContext, CheckContext, Module, ModulePlan } from './types.js';

/** A CheckContext cut from an ApplyContext: a new object, so check() cannot reach conn or run. */
export function checkContext(ctx: ApplyContext, refreshed = false): CheckContext {
  return {
    host: ctx.host,
    task: ctx.task,
    check: ctx.check,
    diff: ctx.diff,
    refreshed,
    ...(ctx.inProcess ? { inProcess: true } : {}),
    vars: ctx.vars,
    query: (command, opts) => ctx.run(command, opts),
    findFile: (kind, name) => ctx.findFile(kind, name),
    renderTemplate: (path, extra) => ctx.renderTemplate(path, extra),
    evaluate: (expression) => ctx.evaluate(expression),
    warn: (message) => ctx.warn(message),
  };
}

export interface ModuleOutcome {
  result: TaskResult;
  /** the plan check() gave (the last one, after a refresh); absent when check() was not called */
  plan?: ModulePlan;
}

/** Ansible's words for a module that cannot run in check mode */
export const NO_CHECK_MODE = 'skipped, running in check mode';

export async function runModule<A>(mod: Module<A>, ctx: ApplyContext, args: A): Promise<ModuleOutcome> {
  if (ctx.check && mod.traits.checkMode === 'none') {
    return { result: newResult({ skipped: true, msg: mod.traits.noCheckMsg ?? `${NO_CHECK_MODE}: ${mod.name} cannot tell what it would do without doing it` }) };
  }
  let plan = await mod.check(checkContext(ctx), args);
  const shown: string[] = [];
  if (!plan.failed && plan.refresh?.length) {
    if (ctx.check) shown.push(...plan.refresh.map(describeStep));
    else {
      const r = await runSteps(ctx, plan.refresh);
      if (r.failure) return { plan, result: newResult({ ...(plan.data ?? {}), ...r.failure }) };
      plan = await mod.check(checkContext(ctx, true), args);
    }
  }
  const result = newResult({ changed: plan.changed, ...(plan.data ?? {}) });
  if (plan.msg !== undefined) result.msg = plan.msg;
  if (plan.failed) {
    result.failed = true;
    return { plan, result };
  }
  if (ctx.diff && plan.diff && plan.diff.length) result.diff = plan.diff;
  const steps = plan.steps ?? [];
  if (ctx.check) {
    if (plan.skipInCheck) {
      result.skipped = true;
      result.changed = false;
      result.msg = plan.skipMsg ?? NO_CHECK_MODE;
    }
    shown.push(...steps.map(describeStep));
    // the commands the plan would run, for --check -v (pyinfra shows the same)
    if (shown.length) result.plan = shown;
    return { plan, result };
  }
  if (steps.length) {
    const r = await runSteps(ctx, steps);
    if (plan.report) Object.assign(result, plan.report(r.outputs));
    const backup = r.outputs.find((o) => o.backup !== undefined)?.backup;
    if (backup !== undefined) result.backup_file = backup;
    if (r.failure) Object.assign(result, r.failure);
  }
  return { plan, result };
}
