/**
 * Ansible's boolean (module_utils/parsing/convert_bool.py): one parser for
 * playbook keywords, module arguments and variables such as ansible_become.
 */

/** the strings Ansible takes as true, compared lower-cased and trimmed */
export const BOOLEANS_TRUE: readonly string[] = ['y', 'yes', 'on', '1', 'true', 't'];
/** the strings Ansible takes as false; the empty string is neither */
export const BOOLEANS_FALSE: readonly string[] = ['n', 'no', 'off', '0', 'false', 'f'];

/**
 * true/false for a boolean-like value (true, "yes", "On", "t", 1, 0.0...),
 * undefined when it is not one (null, "", "maybe", 2): the caller reports
 * that with its own position and wording.
 */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim().toLowerCase();
  if (BOOLEANS_TRUE.includes(s)) return true;
  if (BOOLEANS_FALSE.includes(s)) return false;
  return undefined;
}
