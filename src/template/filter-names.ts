/**
 * Every name Ansible accepts for the filters hapb implements: the
 * `ansible.builtin.` name of a core filter, the `ansible.utils.` and
 * `ansible.netcommon.` names of the IP address filters. Jinja's own filters
 * (default, join, map...) have no collection name in Ansible either.
 */
import type nunjucks from 'nunjucks';
import { ansibleIpaddr } from './ipaddr.js';
import { splitArgs, type Args } from './args.js';

/** ansible-core 2.14's filters under ansible.builtin (`ansible-doc -t filter -l`). */
export const ANSIBLE_BUILTIN_FILTERS: readonly string[] = [
  'b64decode', 'b64encode', 'basename', 'bool', 'checksum', 'combinations', 'combine', 'comment',
  'dict2items', 'difference', 'dirname', 'expanduser', 'expandvars', 'extract', 'fileglob', 'flatten',
  'from_json', 'from_yaml', 'from_yaml_all', 'hash', 'human_readable', 'human_to_bytes', 'intersect',
  'items2dict', 'log', 'mandatory', 'md5', 'password_hash', 'path_join', 'permutations', 'pow', 'product',
  'quote', 'random', 'realpath', 'regex_escape', 'regex_findall', 'regex_replace', 'regex_search',
  'rekey_on_member', 'relpath', 'root', 'sha1', 'shuffle', 'split', 'splitext', 'strftime', 'subelements',
  'symmetric_difference', 'ternary', 'to_datetime', 'to_json', 'to_nice_json', 'to_nice_yaml', 'to_uuid',
  'to_yaml', 'type_debug', 'union', 'unique', 'unvault', 'urldecode', 'urlsplit', 'vault', 'win_basename',
  'win_dirname', 'win_splitdrive', 'zip', 'zip_longest',
];

/** The IP filters: short name, and the collections Ansible finds them under. */
const IP_FILTERS: Record<string, (value: unknown, a: Args) => unknown> = {
  ipaddr: (v, a) => ansibleIpaddr(v, a.pos[0] ?? a.kw.query ?? '', undefined, 'ipaddr'),
  ipv4: (v, a) => ansibleIpaddr(v, a.pos[0] ?? a.kw.query ?? '', 4, 'ipv4'),
  ipv6: (v, a) => ansibleIpaddr(v, a.pos[0] ?? a.kw.query ?? '', 6, 'ipv6'),
};
const IP_COLLECTIONS = ['', 'ansible.utils.', 'ansible.netcommon.'];

/** Registers the IP filters under all their names, and the ansible.builtin. name of every core filter registered. */
export function registerFilterNames(env: nunjucks.Environment): void {
  for (const [name, fn] of Object.entries(IP_FILTERS)) {
    for (const prefix of IP_COLLECTIONS) env.addFilter(prefix + name, (value: unknown, ...rest: unknown[]) => fn(value, splitArgs(rest)));
  }
  for (const name of ANSIBLE_BUILTIN_FILTERS) {
    let f: ((...args: unknown[]) => unknown) | undefined;
    try {
      f = env.getFilter(name) as unknown as (...args: unknown[]) => unknown;
    } catch {
      f = undefined; // not implemented by hapb
    }
    if (f) env.addFilter(`ansible.builtin.${name}`, f);
  }
}
