/**
 * A fast first reading of YAML for large files (a 10,000-host inventory):
 * js-yaml builds the values about ten times faster than the `yaml` package,
 * but keeps no positions. Positions are then found lazily: a SourcePos from
 * this reader knows its file at once, and its line and column come from a
 * full `yaml` parse of the text made on first use (an error message), so a
 * run without errors never pays for it.
 *
 * Only documents the two readers agree on are read here: simple lines (see
 * simpleLine), with YAML 1.2 core scalars exactly as the `yaml` package
 * resolves them. Anything else, and any js-yaml error, goes to the full
 * reader, which gives the values and the error messages it always gave.
 */
import jsyaml from 'js-yaml';

const int = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && (/^[-+]?[0-9]+$/.test(s) || /^0o[0-7]+$/.test(s) || /^0x[0-9a-fA-F]+$/.test(s)),
  construct: (s: string) => (s.startsWith('0o') ? parseInt(s.slice(2), 8) : s.startsWith('0x') ? parseInt(s.slice(2), 16) : parseInt(s, 10)),
});

const NAN_INF = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const float = new jsyaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (s: string | null) =>
    s !== null && (NAN_INF.test(s) || /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)),
  construct: (s: string) => {
    if (!NAN_INF.test(s)) return parseFloat(s);
    if (s.slice(-3).toLowerCase() === 'nan') return NaN;
    return s.startsWith('-') ? -Infinity : Infinity;
  },
});

const nul = new jsyaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (s: string | null) => s === null || /^(?:~|[Nn]ull|NULL)?$/.test(s),
  construct: () => null,
});

const bool = new jsyaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s),
  construct: (s: string) => s[0] === 't' || s[0] === 'T',
});

/** js-yaml's `<<` (its typings do not list the built-in types) */
const merge = (jsyaml as unknown as { types: { merge: jsyaml.Type } }).types.merge;

/** YAML 1.2 core as the `yaml` package resolves it, with `<<` merge keys. */
const schema = jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [nul, bool, int, float, merge] });

/*
 * Only documents made of simple lines are read here, so that the two readers
 * cannot differ: `key: value`, `key:`, `- value`, `- key: value` (nested
 * `- `), blank and comment lines. A key is a plain word that is no number,
 * boolean or null; a value is a plain scalar of ordinary characters, a quoted
 * string on one line, or a one-line flow list of such items. No anchors,
 * aliases, tags, block scalars, flow mappings, multi-line scalars or directives.
 */
const PLAIN = String.raw`[A-Za-z0-9_./~$+=@^()][A-Za-z0-9_./~$+=@^()%,:\- ]*`;
const DQ = String.raw`"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt0 ]|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4})*"`;
const SQ = String.raw`'(?:[^'\x00-\x1f]|'')*'`;
const ITEM = String.raw`(?:[A-Za-z0-9_./~$+=@^()][A-Za-z0-9_./~$+=@^()%:\- ]*|${DQ}|${SQ})`;
const FLOW = String.raw`\[ *(?:${ITEM}(?: *, *${ITEM})*)? *\]`;
const VALUE = `(?:${PLAIN}|${DQ}|${SQ}|${FLOW})`;
const KEY = String.raw`[A-Za-z0-9_][A-Za-z0-9_./\-]*`;
const LINE = new RegExp(String.raw`^ *(?:- +)*(?:(${KEY}):(?: +(${VALUE}))?|(${VALUE}))?(?: +#.*)? *$`);
const NOT_A_KEY = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[Tt]rue|TRUE|[Ff]alse|FALSE|[Nn]ull|NULL)$/;

function simpleLine(line: string): boolean {
  const m = LINE.exec(line);
  if (!m) return false;
  const key = m[1];
  if (key !== undefined && NOT_A_KEY.test(key)) return false;
  const value = m[2] ?? m[3];
  // a plain value: no ': ' or ' #' inside, no trailing ':'; `- ` at its start would be a list
  if (value !== undefined && !/^["'[]/.test(value) && (/: | #|:$/.test(value) || /^- /.test(value))) return false;
  return true;
}

/** The value of `text` when the fast reader may read it, else undefined (use the full reader). */
export function fastYamlValue(text: string): { value: unknown } | undefined {
  if (!text.split('\n').every(simpleLine)) return undefined;
  try {
    const value = jsyaml.load(text, { schema, json: false });
    return { value: value === undefined ? null : value };
  } catch {
    return undefined;
  }
}
