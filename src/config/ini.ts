/**
 * The INI dialect of Python's configparser as Ansible uses it
 * (`ConfigParser(inline_comment_prefixes=(';',))`, values read raw): sections,
 * `key = value` or `key: value` (keys lower-cased), whole-line comments
 * starting with `#` or `;`, inline comments after ` ;`, and continuation lines
 * indented deeper than their key.
 */
import { SchemaError } from '../errors/index.js';

export interface IniEntry {
  value: string;
  line: number;
}
export type Ini = Map<string, Map<string, IniEntry>>;

export function parseIni(text: string, file: string): Ini {
  const ini: Ini = new Map();
  let section: Map<string, IniEntry> | undefined;
  let last: { entry: IniEntry; indent: number } | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const indent = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (trimmed === '') last = undefined;
      return;
    }
    const value = stripInline(trimmed);
    if (last && indent > last.indent) {
      last.entry.value += `\n${value}`;
      return;
    }
    const header = /^\[([^\]]+)\]$/.exec(value);
    if (header) {
      const name = header[1] as string;
      if (ini.has(name)) throw new SchemaError(`section '${name}' appears twice`, { file, line, col: 1 }, 'merge the two sections');
      section = new Map();
      ini.set(name, section);
      last = undefined;
      return;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(value);
    if (!m) throw new SchemaError(`expected 'key = value' or '[section]', got '${trimmed}'`, { file, line, col: indent + 1 }, 'an ansible.cfg holds [sections] and key = value lines');
    if (!section) throw new SchemaError(`'${m[1]}' comes before any [section]`, { file, line, col: indent + 1 }, 'start the file with [defaults]');
    const key = (m[1] as string).toLowerCase();
    if (section.has(key)) throw new SchemaError(`option '${key}' appears twice in its section`, { file, line, col: indent + 1 }, 'keep one');
    const entry = { value: m[2] as string, line };
    section.set(key, entry);
    last = { entry, indent };
  });
  return ini;
}

/** configparser's inline comment: a `;` preceded by whitespace */
function stripInline(text: string): string {
  const m = /\s;/.exec(text);
  return (m ? text.slice(0, m.index) : text).trimEnd();
}
