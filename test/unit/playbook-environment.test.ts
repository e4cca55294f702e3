import { describe, expect, it } from 'vitest';
import { emptyInherited, inherit, mergeEnvironment, mergeInherited } from '../../src/playbook/structure.js';
import type { Task } from '../../src/playbook/types.js';

describe('environment inheritance (Ansible: a list extended from the parents)', () => {
  it('keeps one side when the other is not set', () => {
    expect(mergeEnvironment(undefined, { A: '1' })).toEqual({ A: '1' });
    expect(mergeEnvironment({ A: '1' }, undefined)).toEqual({ A: '1' });
    expect(mergeEnvironment(undefined, undefined)).toBeUndefined();
  });

  it('puts the outer level first, so the inner names win when merged in order', () => {
    expect(mergeEnvironment({ A: 'play', B: 'play' }, { B: 'task' })).toEqual([{ A: 'play', B: 'play' }, { B: 'task' }]);
    expect(mergeEnvironment([{ A: '1' }, '{{ more }}'], { C: '3' })).toEqual([{ A: '1' }, '{{ more }}', { C: '3' }]);
  });

  it('a block inside a block, and a task with its own environment, keep every level', () => {
    const outer = { ...emptyInherited(), environment: { A: 'outer' } };
    const inner = { ...emptyInherited(), environment: { B: 'inner' } };
    const merged = mergeInherited(outer, inner);
    expect(merged.environment).toEqual([{ A: 'outer' }, { B: 'inner' }]);
    const task = { name: 't', module: 'command', args: {}, when: [], tags: [], vars: {}, notify: [], listen: [], environment: { A: 'task' } } as unknown as Task;
    const [out] = inherit([task], merged) as Task[];
    expect(out!.environment).toEqual([{ A: 'outer' }, { B: 'inner' }, { A: 'task' }]);
    const [plain] = inherit([{ ...task, environment: undefined }], merged) as Task[];
    expect(plain!.environment).toEqual([{ A: 'outer' }, { B: 'inner' }]);
  });
});
