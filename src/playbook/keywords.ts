/** The keywords of plays, tasks and role references, with their JSON schemas. */

const stringOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const boolish = { anyOf: [{ type: 'boolean' }, { type: 'string' }] };
const conditional = { anyOf: [{ type: 'string' }, { type: 'boolean' }, { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'boolean' }] } }] };

/** Task keywords (everything else on a task must be exactly one module). */
export const taskKeywords: Record<string, Record<string, unknown>> = {
  name: { type: 'string' },
  when: conditional,
  loop: {},
  with_items: {},
  loop_control: {
    type: 'object',
    additionalProperties: false,
    properties: { loop_var: { type: 'string' }, label: { type: 'string' }, index_var: { type: 'string' } },
  },
  register: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  notify: stringOrList,
  listen: stringOrList,
  changed_when: conditional,
  failed_when: conditional,
  ignore_errors: boolish,
  become: boolish,
  become_user: { type: 'string' },
  check_mode: boolish,
  diff: boolish,
  no_log: boolish,
  vars: { type: 'object' },
  tags: stringOrList,
};

export const taskSchema = {
  type: 'object',
  properties: taskKeywords,
};

export const playKeywords: Record<string, Record<string, unknown>> = {
  name: { type: 'string' },
  hosts: stringOrList,
  vars: { type: ['object', 'null'] },
  vars_files: stringOrList,
  gather_facts: boolish,
  become: boolish,
  become_user: { type: 'string' },
  serial: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string' }, { type: 'array', items: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string' }] } }] },
  any_errors_fatal: boolish,
  roles: { type: ['array', 'null'], items: { anyOf: [{ type: 'string' }, { type: 'object' }] } },
  pre_tasks: { type: ['array', 'null'], items: { type: 'object' } },
  tasks: { type: ['array', 'null'], items: { type: 'object' } },
  post_tasks: { type: ['array', 'null'], items: { type: 'object' } },
  handlers: { type: ['array', 'null'], items: { type: 'object' } },
  tags: stringOrList,
};

export const playSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['hosts'],
  properties: playKeywords,
};

export const playbookSchema = {
  type: 'array',
  minItems: 1,
  items: { type: 'object' },
};

export const roleRefSchema = {
  type: 'object',
  required: ['role'],
  properties: {
    role: { type: 'string' },
    name: { type: 'string' },
    vars: { type: 'object' },
    tags: stringOrList,
    when: conditional,
    become: boolish,
  },
};
