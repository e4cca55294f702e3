/**
 * Lazily templated variables, as in Ansible: `vip_cidr: "{{ vip }}/24"` stays
 * a template until it is used, then resolves with the variables of the scope
 * it came from (the host's vars, or `hostvars['x']` for another host). A
 * render session caches resolved values and detects recursive definitions.
 */
import type { Vars } from '../core/types.js';
import { isPlainObject } from './python.js';

const unsafe = new WeakSet<object>();

/**
 * Mark data that must never be templated (Ansible's "unsafe"): registered
 * results, facts, command output that may contain `{{`. Returns the value.
 */
export function markUnsafe<T>(value: T): T {
  if (typeof value === 'object' && value !== null) unsafe.add(value);
  return value;
}

export function isUnsafe(value: unknown): boolean {
  return typeof value === 'object' && value !== null && unsafe.has(value);
}

/** Does the value (deeply) hold a string with Jinja markup (outside data marked unsafe)? */
export function containsTemplate(value: unknown): boolean {
  if (isUnsafe(value)) return false;
  if (typeof value === 'string') return value.includes('{{') || value.includes('{%') || value.includes('{#');
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (isPlainObject(value)) return Object.values(value).some(containsTemplate);
  return false;
}

/** Objects templated lazily with themselves as vars in every session (hostvars entries). */
const sharedScopes = new WeakSet<object>();
/** Containers (hostvars) that mark their entries with markScope as they hand them out. */
const selfMarking = new WeakSet<object>();

/** Make `vars` a lazy scope for every session (e.g. one host's entry of hostvars). Returns it. */
export function markScope<T extends object>(vars: T): T {
  sharedScopes.add(vars);
  return vars;
}

/**
 * Say that `container` (a hostvars object) marks each entry with markScope
 * when it hands it out, so a session need not walk it (which costs the whole
 * inventory for every render). Returns it.
 */
export function markScopeContainer<T extends object>(container: T): T {
  selfMarking.add(container);
  return container;
}

/**
 * Keys never templated as a whole: they hold other scopes, or lists of host
 * and group names (walking those for `{{` costs the inventory's size at every use).
 */
const CONTAINERS = new Set(['hostvars', 'groups', 'group_names', 'ansible_play_hosts', 'ansible_play_hosts_all', 'ansible_play_batch']);

export class Session {
  /** objects whose values are templated lazily with the object itself as vars */
  private readonly scopes = new WeakSet<object>();
  private readonly cache = new WeakMap<object, Map<string, unknown>>();
  private readonly resolving: { scope: object; key: string }[] = [];
  /** the last name a lenient lookup found undefined (for `mandatory`) */
  lastUndefined: string | undefined;

  constructor(readonly vars: Vars) {
    this.scopes.add(vars);
    const hostvars = vars.hostvars;
    if (isPlainObject(hostvars) && !selfMarking.has(hostvars)) {
      for (const hv of Object.values(hostvars)) if (typeof hv === 'object' && hv !== null) this.scopes.add(hv);
    }
  }

  isScope(value: unknown): value is Vars {
    return typeof value === 'object' && value !== null && (this.scopes.has(value) || sharedScopes.has(value));
  }

  /**
   * The value of `scope[key]` (raw value `raw`) with its templates resolved by
   * `render(raw, scope)`. Throws RecursiveVariable on a cycle.
   */
  resolve(scope: Vars, key: string, raw: unknown, render: (raw: unknown, scope: Vars) => unknown): unknown {
    if (CONTAINERS.has(key)) return raw;
    let perScope = this.cache.get(scope);
    if (perScope?.has(key)) return perScope.get(key);
    if (!containsTemplate(raw)) return raw;
    const start = this.resolving.findIndex((r) => r.scope === scope && r.key === key);
    if (start >= 0) {
      const chain = [...this.resolving.slice(start).map((r) => r.key), key];
      throw new RecursiveVariable(chain);
    }
    this.resolving.push({ scope, key });
    let value: unknown;
    try {
      value = render(raw, scope);
    } finally {
      this.resolving.pop();
    }
    if (!perScope) {
      perScope = new Map();
      this.cache.set(scope, perScope);
    }
    perScope.set(key, value);
    return value;
  }
}

export class RecursiveVariable extends Error {
  constructor(readonly chain: string[]) {
    super(`recursive loop in variable '${chain[0] ?? ''}': ${chain.join(' -> ')}`);
    this.name = 'RecursiveVariable';
  }
}
