import { describe, expect, it } from 'vitest';
import { assertModule, debugModule, failModule, setFactModule, truthy } from '../../src/modules/controller.js';
import { makeContext } from '../helpers/module-context.js';
import { RecordingConnection } from '../helpers/recording-connection.js';

// no scripted replies: any host access would throw
const ctx = (vars: Record<string, unknown> = {}) => makeContext(new RecordingConnection(), { vars });

describe('assert', () => {
  it.each([
    [['x == 1'], { x: 1 }, false],
    [['x == 1', 'y'], { x: 1, y: [] }, true],
    ['items | length > 1', { items: [1, 2] }, false],
    [[true], {}, false],
    [[false], {}, true],
  ])('that %j with %j failed=%s', async (that, vars, failed) => {
    const plan = await assertModule.check(ctx(vars), { that });
    expect(Boolean(plan.failed)).toBe(failed);
    expect(plan.changed).toBe(false);
  });
  it('uses fail_msg and names the assertion', async () => {
    const plan = await assertModule.check(ctx({ x: 2 }), { that: ['x > 0', 'x == 1'], fail_msg: 'x must be 1' });
    expect(plan).toMatchObject({ failed: true, msg: 'x must be 1', data: { assertion: 'x == 1', evaluated_to: false } });
  });
  it('uses success_msg', async () => {
    expect((await assertModule.check(ctx({ x: 1 }), { that: 'x', success_msg: 'fine' })).msg).toBe('fine');
  });
});

describe('debug, set_fact, fail', () => {
  it('debug var evaluates', async () => {
    expect((await debugModule.check(ctx({ a: { b: 3 } }), { var: 'a.b' })).data).toEqual({ 'a.b': 3 });
  });
  it('debug var of an undefined variable says so', async () => {
    expect((await debugModule.check(ctx(), { var: 'nope' })).data?.nope).toMatch(/VARIABLE IS NOT DEFINED/);
  });
  it('debug msg', async () => {
    expect(await debugModule.check(ctx(), { msg: 'hi' })).toMatchObject({ changed: false, msg: 'hi' });
    expect((await debugModule.check(ctx(), {})).msg).toBe('Hello world!');
  });
  it('set_fact returns ansible_facts without cacheable', async () => {
    expect((await setFactModule.check(ctx(), { a: 1, b: [2], cacheable: true })).data).toEqual({ ansible_facts: { a: 1, b: [2] } });
  });
  it('fail fails with its message', async () => {
    expect(await failModule.check(ctx(), { msg: 'stop' })).toMatchObject({ failed: true, msg: 'stop', changed: false });
    expect((await failModule.check(ctx(), {})).msg).toBe('Failed as requested from task');
  });
  it.each([
    [[], false],
    [{}, false],
    ['', false],
    [0, false],
    [[0], true],
    ['no', true],
  ])('truthy(%j) = %s', (v, want) => expect(truthy(v)).toBe(want));
});
