/** The keywords of plays, tasks and role references, with their JSON schemas. */

const stringOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const boolish = { anyOf: [{ type: 'boolean' }, { type: 'string' }] };
const conditional = { anyOf: [{ type: 'string' }, { type: 'boolean' }, { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'boolean' }] } }] };

/** Task keywords (everything else on a task must be exactly one module). */
export const taskKeywords: Record<string, Record<string, unknown>> = {
  name: { type: 'string' },
  when: conditional,
  loop: {},
  loop_control: {
    type: 'object',
    additionalProperties: false,
    properties: {
      loop_var: { type: 'string' },
      label: {},
      index_var: { type: 'string' },
      pause: { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string' }] },
      extended: boolish,
    },
  },
  until: { anyOf: [{ type: 'string' }, { type: 'boolean' }] },
  retries: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }] },
  delay: { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string' }] },
  environment: { anyOf: [{ type: 'object' }, { type: 'string' }, { type: 'array', items: { anyOf: [{ type: 'object' }, { type: 'string' }] } }] },
  delegate_to: { type: 'string' },
  delegate_facts: boolish,
  run_once: boolish,
  any_errors_fatal: boolish,
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

/**
 * The `with_<lookup>` loops hapb knows (engine/with-loops.ts turns their terms
 * into the loop's list, as Ansible's lookups do).
 */
export const withLoops = [
  'items', 'list', 'dict', 'indexed_items', 'sequence', 'nested', 'cartesian', 'together', 'subelements', 'flattened', 'random_choice', 'fileglob', 'lines',
  // these run the lookup plugin of the same name (src/template/lookups.ts)
  'file', 'template', 'first_found', 'env', 'pipe', 'password', 'vars',
] as const;
for (const w of withLoops) taskKeywords[`with_${w}`] = {};

/** Keywords of a block: the block's lists and what it passes down to its tasks. */
export const blockKeywords: Record<string, Record<string, unknown>> = {
  name: { type: 'string' },
  block: { type: ['array', 'null'], items: { type: 'object' } },
  rescue: { type: ['array', 'null'], items: { type: 'object' } },
  always: { type: ['array', 'null'], items: { type: 'object' } },
  when: conditional,
  tags: stringOrList,
  vars: { type: 'object' },
  become: boolish,
  become_user: { type: 'string' },
  ignore_errors: boolish,
  check_mode: boolish,
  diff: boolish,
  no_log: boolish,
  environment: taskKeywords.environment as Record<string, unknown>,
  delegate_to: { type: 'string' },
  delegate_facts: boolish,
  run_once: boolish,
  any_errors_fatal: boolish,
};

export const blockSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['block'],
  properties: blockKeywords,
};

/** The task keywords an import/include accepts beside its own arguments. */
export const includeKeywords = ['name', 'when', 'tags', 'vars', 'loop', 'loop_control', 'become', 'become_user', 'ignore_errors', 'check_mode', 'diff', 'no_log', 'environment', 'delegate_to', 'delegate_facts', 'run_once', 'any_errors_fatal', 'args', ...withLoops.map((w) => `with_${w}`)];

/** Arguments of import_tasks/include_tasks and import_role/include_role. */
export const includeTasksArgs = {
  anyOf: [
    { type: 'string' },
    { type: 'object', additionalProperties: false, properties: { file: { type: 'string' }, apply: { type: 'object' } }, required: ['file'] },
  ],
};
export const includeRoleArgs = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string' },
    tasks_from: { type: 'string' },
    vars_from: { type: 'string' },
    defaults_from: { type: 'string' },
    handlers_from: { type: 'string' },
    apply: { type: 'object' },
    public: boolish,
    allow_duplicates: boolish,
    rolespec_validate: boolish,
  },
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
  environment: taskKeywords.environment as Record<string, unknown>,
  serial: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string' }, { type: 'array', items: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string' }] } }] },
  any_errors_fatal: boolish,
  max_fail_percentage: { anyOf: [{ type: 'number', minimum: 0, maximum: 100 }, { type: 'string' }] },
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
