/**
 * YAML text as PyYAML's `yaml.dump(data, default_flow_style=False,
 * allow_unicode=True)` writes it (what `ansible-inventory --list -y`
 * prints): keys sorted, block style, sequences not indented under their key,
 * a value seen twice (the same object) anchored `&id001` and then aliased
 * `*id001`, scalars plain when PyYAML's resolver would read them back as the
 * same string, else single- or double-quoted, folded past column 80.
 */

import { readsBackAsString } from '../yaml/pyyaml-resolvers.js';

const BEST_WIDTH = 80;
const BREAKS = '\n\x85\u2028\u2029';

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xa0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

export function dumpYaml(value: unknown): string {
  return new Emitter(value).run();
}

class Emitter {
  private out = '';
  private column = 0;
  private readonly anchors = new Map<object, string | null>();
  private readonly emitted = new Set<object>();
  private lastAnchor = 0;

  constructor(private readonly root: unknown) {
    this.findAnchors(root);
  }

  run(): string {
    if (isObject(this.root) && !this.isEmpty(this.root)) {
      this.node(this.root, 0, 'root');
    } else {
      this.scalarOrFlow(this.root, 0, false);
      this.write('\n');
      if (!isObject(this.root)) this.write('...\n');
      return this.out;
    }
    return this.out.endsWith('\n') ? this.out : this.out + '\n';
  }

  /** PyYAML's serializer: an object met a second time gets the next anchor. */
  private findAnchors(v: unknown): void {
    if (!isObject(v)) return;
    if (this.anchors.has(v)) {
      if (this.anchors.get(v) === null) this.anchors.set(v, `id${String(++this.lastAnchor).padStart(3, '0')}`);
      return;
    }
    this.anchors.set(v, null);
    for (const item of Array.isArray(v) ? v : sortedEntries(v).map(([, x]) => x)) this.findAnchors(item);
  }

  private isEmpty(v: object): boolean {
    return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
  }

  private write(s: string): void {
    this.out += s;
    const nl = s.lastIndexOf('\n');
    this.column = nl < 0 ? this.column + s.length : s.length - nl - 1;
  }

  private newline(indent: number): void {
    this.write('\n' + ' '.repeat(indent));
  }

  /**
   * A value after `key:` or `- ` (or at the root). `indent` is the column of
   * the collection that holds it.
   */
  private node(v: unknown, indent: number, where: 'root' | 'map' | 'seq'): void {
    const anchor = isObject(v) ? this.anchors.get(v) : null;
    if (isObject(v) && anchor && this.emitted.has(v)) {
      this.write(` *${anchor}`);
      return;
    }
    if (isObject(v)) this.emitted.add(v);
    if (!isObject(v) || this.isEmpty(v)) {
      if (where !== 'root') this.write(' ');
      if (anchor) this.write(`&${anchor} `);
      this.scalarOrFlow(v, indent + 2, false);
      return;
    }
    if (anchor) this.write(`${where === 'root' ? '' : ' '}&${anchor}`);
    if (Array.isArray(v)) {
      // a sequence under a mapping key is not indented; under `- ` it starts on the same line
      const at = where === 'seq' ? indent + 2 : indent;
      v.forEach((item, i) => {
        if (i > 0 || where === 'map' || anchor || (where === 'root' && this.out !== '')) this.newline(at);
        else if (where === 'seq') this.write(' ');
        this.write('-');
        this.node(item, at, 'seq');
      });
      return;
    }
    const at = where === 'root' ? 0 : indent + 2;
    sortedEntries(v).forEach(([k, item], i) => {
      if (i > 0 || where === 'map' || anchor || (where === 'root' && this.out !== '')) this.newline(at);
      else if (where === 'seq') this.write(' ');
      this.scalarOrFlow(k, at, true);
      this.write(':');
      this.node(item, at, 'map');
    });
  }

  /** A scalar, or an empty collection as `{}` / `[]`. */
  private scalarOrFlow(v: unknown, indent: number, key: boolean): void {
    if (Array.isArray(v)) return this.write('[]');
    if (isObject(v)) return this.write('{}');
    if (v === null || v === undefined) return this.write('null');
    if (typeof v === 'boolean') return this.write(v ? 'true' : 'false');
    if (typeof v === 'number') return this.write(formatNumber(v));
    this.string(String(v), indent, key);
  }

  private string(text: string, indent: number, key: boolean): void {
    const a = analyze(text);
    const implicit = readsBackAsString(text);
    if (implicit && !(key && (a.empty || a.multiline)) && a.allowBlockPlain && !a.empty) return this.plain(text, indent, !key);
    if (a.allowSingleQuoted && !(key && a.multiline)) return this.singleQuoted(text, indent, !key);
    this.doubleQuoted(text, indent, !key);
  }

  private plain(text: string, indent: number, split: boolean): void {
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] : undefined;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split) this.newline(indent);
          else this.write(text.slice(start, end));
          start = end;
        }
      } else if (ch === undefined || ch === ' ') {
        this.write(text.slice(start, end));
        start = end;
      }
      if (ch !== undefined) spaces = ch === ' ';
    }
  }

  private singleQuoted(text: string, indent: number, split: boolean): void {
    this.write("'");
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] : undefined;
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== text.length) this.newline(indent);
          else this.write(text.slice(start, end));
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (text[start] === '\n') this.write('\n');
          for (const br of text.slice(start, end)) this.write(br);
          this.write(' '.repeat(indent)); // write_indent right after a break adds no line
          start = end;
        }
      } else if (ch === undefined || ch === ' ' || BREAKS.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(text.slice(start, end));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.write("'");
  }

  private doubleQuoted(text: string, indent: number, split: boolean): void {
    this.write('"');
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? (text[end] ?? '') : undefined;
      if (ch === undefined || '"\\\x85\u2028\u2029\ufeff'.includes(ch) || !printable(ch)) {
        if (start < end) {
          this.write(text.slice(start, end));
          start = end;
        }
        if (ch !== undefined) {
          const cp = ch.codePointAt(0) ?? 0;
          const esc = ESCAPES[ch];
          this.write(esc !== undefined ? '\\' + esc : cp <= 0xff ? '\\x' + hex(cp, 2) : cp <= 0xffff ? '\\u' + hex(cp, 4) : '\\U' + hex(cp, 8));
          start = end + 1;
        }
      }
      if (end > 0 && end < text.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > BEST_WIDTH && split) {
        this.write(text.slice(start, end) + '\\');
        if (start < end) start = end;
        this.newline(indent);
        if (text[start] === ' ') this.write('\\');
      }
    }
    this.write('"');
  }
}

function printable(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd);
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

function sortedEntries(v: object): [string, unknown][] {
  return Object.keys(v)
    .sort()
    .map((k) => [k, (v as Record<string, unknown>)[k]]);
}

/** Python's repr of a number as PyYAML writes it (integers without a dot). */
function formatNumber(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Infinity) return '.inf';
  if (n === -Infinity) return '-.inf';
  return String(n);
}

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

/** PyYAML's Emitter.analyze_scalar, the parts block style uses. */
function analyze(s: string): Analysis {
  if (!s) return { empty: true, multiline: false, allowBlockPlain: true, allowSingleQuoted: true };
  const ws = '\0 \t\r\n\x85\u2028\u2029';
  let blockIndicators = s.startsWith('---') || s.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWs = true;
  let followedByWs = s.length === 1 || ws.includes(s[1] ?? '');
  let previousSpace = false;
  let previousBreak = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? '';
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ('?:'.includes(ch) && followedByWs) blockIndicators = true;
      if (ch === '-' && followedByWs) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWs) blockIndicators = true;
      if (ch === '#' && precededByWs) blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    if (!(ch === '\n' || (ch >= '\x20' && ch <= '\x7e'))) {
      const cp = ch.charCodeAt(0);
      const ok = (ch === '\x85' || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0xd800 && cp <= 0xdfff)) && ch !== '\ufeff';
      if (!ok) special = true;
    }
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === s.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === s.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWs = ws.includes(ch);
    followedByWs = i + 2 >= s.length || ws.includes(s[i + 2] ?? '');
  }
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowBlockPlain = false;
  if (breakSpace) allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || special) allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowBlockPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowBlockPlain, allowSingleQuoted };
}
