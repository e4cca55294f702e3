/**
 * Backslashes in Jinja string literals, as Ansible's Jinja reads them and
 * nunjucks does not (nunjucks drops the backslash of an unknown escape: '\d'
 * would become 'd'). Rewrites the literals inside {{ }} and {% %} so nunjucks
 * yields what Ansible gets:
 * - a template from a playbook (`inline`): Ansible doubles every backslash
 *   inside {{ }} before Jinja reads it (its _escape_backslashes), so '\d',
 *   '\1' and '\g<name>' reach the filter as written;
 * - elsewhere (template files, {% %}, conditions): Python's escapes: \n \t
 *   \r \\ \' \" and octal are escapes, any other backslash stays.
 */
const SIMPLE = new Set(['n', 't', 'r', '\\', "'", '"']);

export function jinjaBackslashes(source: string, inline: boolean): string {
  if (!source.includes('\\')) return source;
  let out = '';
  let i = 0;
  const n = source.length;
  while (i < n) {
    const open = source.slice(i, i + 2);
    if (open === '{#') {
      const end = source.indexOf('#}', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += source.slice(i, stop);
      i = stop;
      continue;
    }
    if (open !== '{{' && open !== '{%') {
      out += source[i];
      i++;
      continue;
    }
    const variable = open === '{{';
    const close = variable ? '}}' : '%}';
    out += open;
    i += 2;
    let quote = '';
    while (i < n) {
      const ch = source[i] as string;
      if (!quote) {
        if (source.startsWith(close, i)) {
          out += close;
          i += 2;
          break;
        }
        if (ch === "'" || ch === '"') quote = ch;
        out += ch;
        i++;
        continue;
      }
      if (ch === quote) {
        quote = '';
        out += ch;
        i++;
        continue;
      }
      if (ch !== '\\' || i + 1 >= n) {
        out += ch;
        i++;
        continue;
      }
      const next = source[i + 1] as string;
      if (next === quote) {
        out += `\\${next}`;
        i += 2;
      } else if (inline && variable) {
        out += '\\\\';
        i += 1;
      } else if (SIMPLE.has(next)) {
        out += `\\${next}`;
        i += 2;
      } else if (/[0-7]/.test(next)) {
        const m = /^[0-7]{1,3}/.exec(source.slice(i + 1)) as RegExpExecArray;
        const c = String.fromCharCode(parseInt(m[0], 8));
        out += c === '\\' || c === "'" || c === '"' ? `\\${c}` : c;
        i += 1 + m[0].length;
      } else {
        out += '\\\\';
        i += 1;
      }
    }
  }
  return out;
}
