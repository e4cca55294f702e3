import { describe, expect, it } from 'vitest';
import { handlerKey, handlerNamed, type Task } from '../../src/playbook/types.js';

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

describe('handlerNamed: the handler a notification by name goes to (Ansible: last file loaded, first in it)', () => {
  it('the play\'s own handler over a role\'s of the same name; of two in one file, the first', () => {
    const role = handler('restart', '/r/app/handlers/main.yml', 'app');
    const first = handler('restart', '/p/site.yml');
    const second = { ...handler('restart', '/p/site.yml'), pos: { file: '/p/site.yml', line: 9, col: 3 } } as Task;
    expect(handlerNamed([role, first, second], 'restart')).toBe(first);
    expect(handlerNamed([role], 'restart')).toBe(role);
  });

  it('a role included later wins over the handlers loaded before it; no handler of that name: undefined', () => {
    const alt = handler('changed', '/r/app/handlers/alt.yml', 'app');
    const main = handler('changed', '/r/app/handlers/main.yml', 'app');
    expect(handlerNamed([alt], 'changed')).toBe(alt);
    expect(handlerNamed([alt, main], 'changed')).toBe(main);
    expect(handlerNamed([alt, main], 'a topic')).toBeUndefined();
  });
});
