/** A plan's steps: how they read (for --check -v) and how they run. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { shellQuote } from '../connection/command.js';
import { systemClock } from '../core/clock.js';
import { ModuleError } from '../errors/index.js';
import { failureData } from './result.js';
import { firstLine, sha1, writeFileAtomic } from './files.js';
import type { ApplyContext, RebootStep, Step, StepOutput } from './types.js';

/** One line per step: the command, or what a file write does. */
export function describeStep(step: Step): string {
  if ('reboot' in step) return `${step.reboot} (then wait up to ${step.timeoutMs / 1000} s for a new boot and: ${step.test})`;
  if ('fetch' in step) return `fetch ${step.fetch} to the controller's ${step.to}`;
  if ('run' in step) return step.stdin === undefined ? step.run : `${step.run} <<< (${Buffer.byteLength(step.stdin)} bytes on stdin)`;
  const attrs = [
    `${step.content.length} bytes`,
    `sha1 ${sha1(step.content)}`,
    ...(step.owner !== undefined || step.group !== undefined ? [`owner ${step.owner ?? '-'}:${step.group ?? '-'}`] : []),
    ...(step.mode !== undefined ? [`mode ${step.mode}`] : []),
    ...(step.validate !== undefined ? [`validate: ${step.validate}`] : []),
    ...(step.backup ? ['backup'] : []),
  ];
  return `write ${step.write} (${attrs.join(', ')})`;
}

export interface StepsOutcome {
  outputs: StepOutput[];
  /** failed, msg and the failing command's rc/stdout/stderr; absent when every step succeeded */
  failure?: Record<string, unknown>;
}

/** Run steps in order; stop at the first that fails. Never throws for a host-level failure. */
export async function runSteps(ctx: ApplyContext, steps: readonly Step[]): Promise<StepsOutcome> {
  const outputs: StepOutput[] = [];
  for (const step of steps) {
    const start = Date.now();
    try {
      if ('run' in step) {
        if (ctx.inProcess && step.inProcess && (await step.inProcess())) {
          outputs.push({ rc: 0, stdout: '', stderr: '', ms: Date.now() - start });
          continue;
        }
        const r = await ctx.run(step.run, {
          ...(step.stdin !== undefined ? { stdin: step.stdin } : {}),
          ...(step.cwd !== undefined ? { cwd: step.cwd } : {}),
          ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
        });
        outputs.push({ ...r, ms: Date.now() - start });
        if (r.rc !== 0 && !step.keepOutput) {
          const what = step.doing ?? `'${step.run}'`;
          return { outputs, failure: { failed: true, msg: `${what} failed: ${firstLine(r.stderr) || `rc ${r.rc}`}`, rc: r.rc, stdout: r.stdout, stderr: r.stderr } };
        }
      } else if ('reboot' in step) {
        const failure = await rebootAndWait(ctx, step);
        outputs.push({ rc: failure ? 1 : 0, stdout: '', stderr: '', ms: Date.now() - start });
        if (failure) return { outputs, failure: { failed: true, rebooted: false, elapsed: Math.floor((Date.now() - start) / 1000), msg: failure } };
      } else if ('fetch' in step) {
        const r = await ctx.run(`base64 -w0 < ${shellQuote(step.fetch)}`);
        if (r.rc !== 0) {
          return { outputs, failure: { failed: true, msg: `reading ${step.fetch} failed: ${firstLine(r.stderr) || `rc ${r.rc}`}`, rc: r.rc, stderr: r.stderr } };
        }
        try {
          writeLocalAtomic(step.to, Buffer.from(r.stdout.trim(), 'base64'));
        } catch (e) {
          return { outputs, failure: { failed: true, msg: `writing ${step.to} on the controller failed: ${e instanceof Error ? e.message : String(e)}` } };
        }
        outputs.push({ rc: 0, stdout: '', stderr: '', ms: Date.now() - start });
      } else {
        const w = await writeFileAtomic(ctx, step.write, step.content, step);
        outputs.push({ rc: 0, stdout: '', stderr: '', ms: Date.now() - start, ...(w.backup !== undefined ? { backup: w.backup } : {}) });
      }
    } catch (e) {
      // a failed step is a failed result; a lost connection (UnreachableError) goes on up
      if (e instanceof ModuleError) return { outputs, failure: failureData(e) };
      throw e;
    }
  }
  return { outputs };
}

/** Write a controller file: temp file beside it, then rename; the directories are made. */
export function writeLocalAtomic(path: string, content: Buffer): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.hapb-${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, content, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Reboot, wait for a new boot id, then for the test command; a failure message, or undefined. */
async function rebootAndWait(ctx: ApplyContext, step: RebootStep): Promise<string | undefined> {
  const clock = ctx.clock ?? systemClock;
  const sleep = (ms: number): Promise<void> => clock.sleep(ms);
  if (step.preDelayMs > 0) await sleep(step.preDelayMs);
  // the connection may drop before the command returns: its outcome says nothing
  const r = await ctx.run(step.reboot, { timeoutMs: 30_000 }).catch(() => undefined);
  if (r && r.rc !== 0 && r.rc !== 124 && !/closed|lost|terminated/i.test(r.stderr)) {
    // shutdown refused (not allowed, no systemd): the host is not going down
    return `Reboot command failed. Error was: '${firstLine(r.stderr) || `rc ${r.rc}`}'`;
  }
  const deadline = clock.now() + step.timeoutMs;
  let booted = false;
  let last = '';
  while (clock.now() < deadline) {
    await sleep(1000);
    try {
      if (ctx.conn.reconnect) await ctx.conn.reconnect();
      if (!booted) {
        const b = await ctx.run(step.bootIdCommand, { timeoutMs: step.connectTimeoutMs });
        if (b.rc !== 0 || b.stdout.trim() === '' || b.stdout.trim() === step.bootId) continue;
        booted = true;
      }
      const t = await ctx.run(step.test, { timeoutMs: step.connectTimeoutMs });
      if (t.rc === 0) {
        if (step.postDelayMs > 0) await sleep(step.postDelayMs);
        return undefined;
      }
      last = firstLine(t.stderr) || `rc ${t.rc}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
  }
  return booted
    ? `Timed out waiting for post-reboot test command (timeout=${step.timeoutMs / 1000}): ${last}`
    : `Timed out waiting for last boot time check (timeout=${step.timeoutMs / 1000})`;
}
