import { describe, expect, it } from 'vitest';
import { handlerKey, type Task } from '../../src/playbook/types.js';

const handler = (name: string, file: string, role?: string): Task => ({ name, pos: { file, line: 1, col: 3 }, ...(role ? { role: { name: role, dir: `/r/${role}` } } : {}) }) as unknown as Task;

describe('handlerKey: when a loaded handler is one already known', () => {
  it('the same role file and name: the same handler (a role listed, imported or included again)', () => {
    expect(handlerKey(handler('restart', '/r/app/handlers/main.yml', 'app'))).toBe(handlerKey(handler('restart', '/r/app/handlers/main.yml', 'app')));
  });

  it("another handlers file of the role (handlers_from) or another role: another handler", () => {
    expect(handlerKey(handler('restart', '/r/app/handlers/alt.yml', 'app'))).not.toBe(handlerKey(handler('restart', '/r/app/handlers/main.yml', 'app')));
    expect(handlerKey(handler('restart', '/r/web/handlers/main.yml', 'web'))).not.toBe(handlerKey(handler('restart', '/r/app/handlers/main.yml', 'app')));
  });

  it("the play's own handlers are told by name only", () => {
    expect(handlerKey(handler('restart', '/p/site.yml'))).toBe(handlerKey(handler('restart', '/p/other.yml')));
  });
});
