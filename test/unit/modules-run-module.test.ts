/** runModule: the one place a module's plan becomes the user's result, in both modes. */
import { describe, expect, it } from 'vitest';
import { UnreachableError } from '../../src/errors/index.js';
import { runModule } from '../../src/modules/run-module.js';
import { describeStep } from '../../src/modules/steps.js';
import type { CheckContext, Module, ModulePlan } from '../../src/modules/types.js';
import { makeContext } from '../helpers/module-context.js';
import { RecordingConnection } from '../helpers/recording-connection.js';

/** A module whose plan is given; it records the contexts check() got. */
function fake(plan: (ctx: CheckContext) => ModulePlan, checkMode: 'full' | 'none' = 'full'): Module & { seen: CheckContext[] } {
  const seen: CheckContext[] = [];
  return {
    name: 'fake',
    schema: {},
    traits: { checkMode },
    seen,
    check(ctx) {
      seen.push(ctx);
      return Promise.resolve(plan(ctx));
    },
  };
}

const ok = (): RecordingConnection => new RecordingConnection([{ match: /.*/, reply: { stdout: 'out\n' } }]);

describe('runModule', () => {
  it('check() gets a context without the connection, run or become', async () => {
    const mod = fake(() => ({ changed: false }));
    await runModule(mod, makeContext(ok(), { become: { user: 'root' } }), {});
    const ctx = mod.seen[0] as unknown as Record<string, unknown>;
    expect(Object.keys(ctx).sort()).toEqual(['check', 'diff', 'evaluate', 'findFile', 'host', 'query', 'refreshed', 'renderTemplate', 'task', 'vars', 'warn']);
  });

  it('runs the steps in order and stops at the first that fails', async () => {
    const conn = new RecordingConnection([
      { match: 'second', reply: { rc: 3, stderr: 'broken\nmore\n' } },
      { match: /.*/, reply: {} },
    ]);
    const mod = fake(() => ({ changed: true, steps: [{ run: 'first' }, { run: 'second', doing: 'doing the second' }, { run: 'third' }] }));
    const { result } = await runModule(mod, makeContext(conn), {});
    expect(conn.commands).toEqual(['first', 'second']);
    expect(result).toMatchObject({ changed: true, failed: true, rc: 3, msg: 'doing the second failed: broken' });
  });

  it('keepOutput hands the output to report()', async () => {
    const mod = fake(() => ({ changed: true, steps: [{ run: 'x', keepOutput: true }], report: ([o]) => ({ got: o?.stdout, rc: o?.rc }) }));
    const conn = new RecordingConnection([{ match: 'x', reply: { rc: 7, stdout: 'seven' } }]);
    const { result } = await runModule(mod, makeContext(conn), {});
    expect(result).toMatchObject({ failed: false, got: 'seven', rc: 7 });
  });

  it('refresh runs first, then check() again with refreshed set; in check mode it is only shown', async () => {
    const plan = (ctx: CheckContext): ModulePlan => ({ changed: !ctx.refreshed, refresh: ctx.refreshed ? [] : [{ run: 'refresh' }], steps: [{ run: 'act' }] });
    const conn = ok();
    const mod = fake(plan);
    const { result } = await runModule(mod, makeContext(conn), {});
    expect(mod.seen.map((c) => c.refreshed)).toEqual([false, true]);
    expect(conn.commands).toEqual(['refresh', 'act']);
    expect(result.changed).toBe(false);

    const dry = ok();
    const dmod = fake(plan);
    const shown = await runModule(dmod, makeContext(dry, { check: true }), {});
    expect(dry.commands).toEqual([]);
    expect(shown.result).toMatchObject({ changed: true, plan: ['refresh', 'act'] });
  });

  it("checkMode 'none': skipped in check mode without calling check()", async () => {
    const mod = fake(() => ({ changed: false, steps: [{ run: 'wait' }] }), 'none');
    const { result } = await runModule(mod, makeContext(ok(), { check: true }), {});
    expect(mod.seen).toEqual([]);
    expect(result).toMatchObject({ skipped: true, changed: false });
  });

  it('a lost connection during a step is not a failed result: it goes on up', async () => {
    const conn = new RecordingConnection([{ match: /.*/, reply: () => { throw new UnreachableError('h', 'connection reset'); } }]);
    const mod = fake(() => ({ changed: true, steps: [{ run: 'x' }] }));
    await expect(runModule(mod, makeContext(conn), {})).rejects.toBeInstanceOf(UnreachableError);
  });

  it('a failed plan is reported as is, nothing runs, no plan is shown', async () => {
    const conn = ok();
    const mod = fake(() => ({ changed: false, failed: true, msg: 'no', steps: [{ run: 'x' }] }));
    const { result } = await runModule(mod, makeContext(conn, { check: true }), {});
    expect(result).toMatchObject({ failed: true, msg: 'no' });
    expect(result).not.toHaveProperty('plan');
    expect(conn.commands).toEqual([]);
  });

  it.each([
    [{ run: 'systemctl start -- nginx' }, 'systemctl start -- nginx'],
    [{ run: 'cat', stdin: 'abc' }, 'cat <<< (3 bytes on stdin)'],
    [{ write: '/etc/a', content: Buffer.from('hi\n'), owner: 'root', mode: '0600', validate: 'x %s', backup: true }, 'write /etc/a (3 bytes, sha1 55ca6286e3e4f4fba5d0448333fa99fc5a404a73, owner root:-, mode 0600, validate: x %s, backup)'],
  ])('describes %j', (step, line) => {
    expect(describeStep(step)).toBe(line);
  });
});
