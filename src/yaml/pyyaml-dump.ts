/**
 * YAML as `yaml.dump` with libyaml's emitter writes it. Ansible dumps with
 * CSafeDumper where libyaml is present (Debian's python3-yaml has it): the
 * to_yaml and to_nice_yaml filters, and `ansible-inventory --list -y`. The
 * same scalar styles (plain, single- or double-quoted, chosen by PyYAML's
 * analysis and its YAML 1.1 resolver), indentless sequences in mappings,
 * lines folded at 80 columns, keys sorted, flow style for collections of
 * plain scalars when the default flow style is null (to_yaml), and PyYAML's
 * serializer's anchors: an object met a second time is anchored `&id001` where
 * it is first written and aliased `*id001` after. A port of the emitter's
 * rules, not of its code: only the data Ansible dumps (no tags).
 */
import { readsBackAsString } from './pyyaml-resolvers.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const BREAKS = '\n\x85\u2028\u2029';
const WS = '\0 \t\r\n\x85\u2028\u2029';

interface Analysis {
  empty: boolean;
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
}

function isPrintableUnicode(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) || (c >= 0x10000 && c < 0x10ffff);
}

function analyze(s: string): Analysis {
  if (!s) return { empty: true, multiline: false, flowPlain: false, blockPlain: true, singleQuoted: true };
  const chars = [...s];
  let block = false;
  let flow = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (s.startsWith('---') || s.startsWith('...')) block = flow = true;
  let preceded = true;
  let followed = chars.length === 1 || WS.includes(chars[1] ?? '');
  let prevSpace = false;
  let prevBreak = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flow = block = true;
      if ('?:'.includes(ch)) {
        flow = true;
        if (followed) block = true;
      }
      if (ch === '-' && followed) flow = block = true;
    } else {
      if (',?[]{}'.includes(ch)) flow = true;
      if (ch === ':') {
        flow = true;
        if (followed) block = true;
      }
      if (ch === '#' && preceded) flow = block = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    if (!(ch === '\n' || (ch >= ' ' && ch <= '~')) && !isPrintableUnicode(ch)) special = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = prevBreak = false;
    }
    preceded = WS.includes(ch);
    followed = i + 2 >= chars.length || WS.includes(chars[i + 2] ?? '');
  }
  let flowPlain = true;
  let blockPlain = true;
  let singleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) flowPlain = blockPlain = false;
  if (breakSpace) flowPlain = blockPlain = singleQuoted = false;
  if (spaceBreak || special) flowPlain = blockPlain = singleQuoted = false;
  if (lineBreaks) flowPlain = blockPlain = false;
  if (flow) flowPlain = false;
  if (block) blockPlain = false;
  return { empty: false, multiline: lineBreaks, flowPlain, blockPlain, singleQuoted };
}

/** A scalar's text and whether, written plain, it reads back as what it is. */
function represent(v: unknown): { text: string; implicit: boolean } {
  if (v === null || v === undefined) return { text: 'null', implicit: true };
  if (typeof v === 'boolean') return { text: v ? 'true' : 'false', implicit: true };
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { text: '.nan', implicit: true };
    if (!Number.isFinite(v)) return { text: v > 0 ? '.inf' : '-.inf', implicit: true };
    let t = String(v).toLowerCase();
    if (!Number.isInteger(v) && !t.includes('.') && t.includes('e')) t = t.replace('e', '.0e');
    return { text: t, implicit: true };
  }
  const s = String(v);
  return { text: s, implicit: readsBackAsString(s) };
}

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\t': 't', '\n': 'n', '\x0b': 'v', '\x0c': 'f', '\r': 'r', '\x1b': 'e',
  '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
};

class Emitter {
  private out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private flowLevel = 0;
  /** collections met twice, and the anchor each gets (PyYAML's serializer: in the order of their second meeting) */
  private readonly anchors = new Map<object, string | null>();
  private readonly emitted = new Set<object>();

  constructor(
    private readonly bestIndent: number,
    private readonly flowDefault: boolean | null,
    private readonly bestWidth = 80,
  ) {}

  dump(value: unknown): string {
    let last = 0;
    const find = (v: unknown): void => {
      if (!Array.isArray(v) && !isPlainObject(v)) return;
      if (this.anchors.has(v)) {
        if (this.anchors.get(v) === null) this.anchors.set(v, `id${String(++last).padStart(3, '0')}`);
        return;
      }
      this.anchors.set(v, null);
      for (const item of Array.isArray(v) ? v : Object.keys(v).sort().map((k) => v[k])) find(item);
    };
    find(value);
    this.node(value, { root: true });
    // libyaml (Ansible dumps with CSafeDumper) ends an open plain root scalar without '...'
    this.writeIndent();
    return this.out;
  }

  private write(data: string): void {
    this.out += data;
    this.column += [...data].length;
  }

  private lineBreak(): void {
    this.out += '\n';
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.out += ' '.repeat(indent - this.column);
      this.column = indent;
    }
  }

  private indicator(ind: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    this.write(this.whitespace || !needWhitespace ? ind : ` ${ind}`);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.bestIndent : 0;
    else if (!indentless) this.indent += this.bestIndent;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  /** The representer: with default_flow_style None, a collection whose items are all scalars is written in flow style. */
  private flowStyle(items: unknown[]): boolean {
    if (this.flowDefault !== null) return this.flowDefault;
    return items.every((x) => !Array.isArray(x) && !isPlainObject(x));
  }

  private scalarStyle(r: { text: string; implicit: boolean }, simpleKey: boolean): string {
    const a = analyze(r.text);
    if (r.implicit && !(simpleKey && (a.empty || a.multiline)) && ((this.flowLevel && a.flowPlain) || (!this.flowLevel && a.blockPlain))) return '';
    if (a.singleQuoted && !(simpleKey && a.multiline)) return "'";
    return '"';
  }

  private node(v: unknown, ctx: { root?: boolean; sequence?: boolean; mapping?: boolean; simpleKey?: boolean }): void {
    const anchor = Array.isArray(v) || isPlainObject(v) ? this.anchors.get(v) : undefined;
    if (anchor && (Array.isArray(v) || isPlainObject(v))) {
      if (this.emitted.has(v)) {
        this.indicator(`*${anchor}`, true);
        return;
      }
      this.emitted.add(v);
      this.indicator(`&${anchor}`, true);
    }
    if (Array.isArray(v)) {
      if (this.flowLevel || v.length === 0 || this.flowStyle(v)) this.flowSequence(v);
      else this.blockSequence(v, Boolean(ctx.mapping));
    } else if (isPlainObject(v)) {
      const keys = Object.keys(v).sort();
      const items = keys.flatMap((k) => [k, v[k]]);
      if (this.flowLevel || keys.length === 0 || this.flowStyle(items)) this.flowMapping(v, keys);
      else this.blockMapping(v, keys);
    } else {
      this.increaseIndent(true);
      const r = represent(v);
      const style = this.scalarStyle(r, Boolean(ctx.simpleKey));
      const split = !ctx.simpleKey;
      if (style === '"') this.doubleQuoted(r.text, split);
      else if (style === "'") this.singleQuoted(r.text, split);
      else this.plain(r.text, split);
      this.popIndent();
    }
  }

  private flowSequence(v: unknown[]): void {
    this.indicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    v.forEach((item, i) => {
      if (i > 0) this.indicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(item, { sequence: true });
    });
    this.popIndent();
    this.flowLevel--;
    this.indicator(']', false);
  }

  private flowMapping(v: Record<string, unknown>, keys: string[]): void {
    this.indicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    keys.forEach((k, i) => {
      if (i > 0) this.indicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.indicator(':', false);
      this.node(v[k], { mapping: true });
    });
    this.popIndent();
    this.flowLevel--;
    this.indicator('}', false);
  }

  private blockSequence(v: unknown[], mappingContext: boolean): void {
    this.increaseIndent(false, mappingContext && !this.indention);
    for (const item of v) {
      this.writeIndent();
      this.indicator('-', true, false, true);
      this.node(item, { sequence: true });
    }
    this.popIndent();
  }

  private blockMapping(v: Record<string, unknown>, keys: string[]): void {
    this.increaseIndent(false);
    for (const k of keys) {
      this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.indicator(':', false);
      this.node(v[k], { mapping: true });
    }
    this.popIndent();
  }

  private writeBreaks(text: string): void {
    if (text[0] === '\n') this.lineBreak();
    for (const br of text) {
      if (br === '\n') this.lineBreak();
      else {
        this.out += br;
        this.whitespace = true;
        this.indention = true;
        this.column = 0;
      }
    }
    this.writeIndent();
  }

  private plain(text: string, split: boolean): void {
    if (!text) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    const chars = [...text];
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else this.write(chars.slice(start, end).join(''));
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          this.writeBreaks(chars.slice(start, end).join(''));
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === undefined || ' \n\x85\u2028\u2029'.includes(ch)) {
        this.write(chars.slice(start, end).join(''));
        start = end;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
  }

  private singleQuoted(text: string, split: boolean): void {
    this.indicator("'", true);
    const chars = [...text];
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== chars.length) this.writeIndent();
          else this.write(chars.slice(start, end).join(''));
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          this.writeBreaks(chars.slice(start, end).join(''));
          start = end;
        }
      } else if (ch === undefined || ' \n\x85\u2028\u2029'.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(chars.slice(start, end).join(''));
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
    this.indicator("'", false);
  }

  private doubleQuoted(text: string, split: boolean): void {
    this.indicator('"', true);
    const chars = [...text];
    let spaces = false;
    chars.forEach((ch, i) => {
      const code = ch.codePointAt(0) ?? 0;
      const printable = (ch >= ' ' && ch <= '~') || (code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || code >= 0x10000;
      if (!printable || '"\\\x85\u2028\u2029\ufeff'.includes(ch)) {
        const esc = ESCAPES[ch];
        this.write(esc !== undefined ? `\\${esc}` : code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : code <= 0xffff ? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}` : `\\U${code.toString(16).toUpperCase().padStart(8, '0')}`);
        spaces = false;
      } else if (ch === ' ') {
        // libyaml folds at a single space past the width; a space that follows the fold is escaped
        if (split && !spaces && this.column > this.bestWidth && i !== 0 && i !== chars.length - 1) {
          this.writeIndent();
          if (chars[i + 1] === ' ') this.write('\\');
        } else this.write(' ');
        spaces = true;
      } else {
        this.write(ch);
        spaces = false;
      }
    });
    this.indicator('"', false);
  }
}

/** yaml.dump(value, indent=indent, default_flow_style=flow, allow_unicode=True, sort_keys=True) */
export function pyYamlDump(value: unknown, indent: number, defaultFlowStyle: boolean | null): string {
  return new Emitter(indent >= 2 && indent <= 9 ? indent : 2, defaultFlowStyle).dump(value);
}

/** what `ansible-inventory --list -y` prints: yaml.dump(data, default_flow_style=False, allow_unicode=True) */
export function dumpInventoryYaml(value: unknown): string {
  return new Emitter(2, false).dump(value);
}
