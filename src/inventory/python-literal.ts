/**
 * The two Python functions Ansible's INI inventory plugin reads values with:
 * `shlex.split(line, comments=True)` for host lines and `ast.literal_eval`
 * for every value (a value that is not a Python literal stays a string).
 */

/** A Python literal that JSON cannot hold as such (complex numbers...): the caller keeps the text. */
class NotLiteral extends Error {}

/**
 * `ast.literal_eval(text)`, or `undefined` when Python would raise (the INI
 * plugin then keeps the text as a string). Tuples and sets become arrays,
 * bytes become text. Integers beyond 2^53 lose precision.
 */
export function literalEval(text: string): { value: unknown } | undefined {
  try {
    const p = new LiteralParser(text.replace(/^[ \t]+/, ''));
    const value = p.expression();
    p.end();
    return { value };
  } catch (err) {
    if (err instanceof NotLiteral) return undefined;
    throw err;
  }
}

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  private fail(): never {
    throw new NotLiteral();
  }

  /** Skip spaces, tabs, comments and (inside brackets) line breaks. */
  private skip(depth: number): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\f') this.i++;
      else if (c === '#') {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      } else if ((c === '\n' || c === '\r') && depth > 0) this.i++;
      else if (c === '\\' && (this.s[this.i + 1] === '\n' || this.s.startsWith('\r\n', this.i + 1))) this.i += this.s[this.i + 1] === '\n' ? 2 : 3;
      else return;
    }
  }

  end(): void {
    this.skip(0);
    while (this.s[this.i] === '\n' || this.s[this.i] === '\r') {
      this.i++;
      this.skip(0);
    }
    if (this.i < this.s.length) this.fail();
  }

  expression(depth = 0): unknown {
    this.skip(depth);
    const c = this.s[this.i];
    if (c === '+' || c === '-') {
      this.i++;
      this.skip(depth);
      const v = this.atom(depth);
      if (typeof v !== 'number') this.fail();
      return c === '-' ? -v : v;
    }
    return this.atom(depth);
  }

  private atom(depth: number): unknown {
    const c = this.s[this.i];
    if (c === undefined) this.fail();
    if (c === '[') return this.sequence(']', depth);
    if (c === '(') return this.tuple(depth);
    if (c === '{') return this.braces(depth);
    if (/[0-9.]/.test(c)) {
      if (c === '.' && !/[0-9]/.test(this.s[this.i + 1] ?? '')) this.fail();
      return this.number();
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
      const word = m?.[0] ?? '';
      const next = this.s[this.i + word.length];
      if ((next === '"' || next === "'") && /^(?:[rRbBuU]|[rR][bB]|[bB][rR])$/.test(word)) return this.strings(depth);
      this.i += word.length;
      if (word === 'True' || word === 'False') return word === 'True';
      if (word === 'None') return null;
      this.fail();
    }
    if (c === '"' || c === "'") return this.strings(depth);
    this.fail();
  }

  /** One or more adjacent string literals, concatenated (all str or all bytes). */
  private strings(depth: number): string {
    let out = '';
    let kind: 'str' | 'bytes' | undefined;
    for (;;) {
      const m = /^([rRbBuU]|[rR][bB]|[bB][rR])?(['"])/.exec(this.s.slice(this.i));
      if (!m) break;
      const prefix = (m[1] ?? '').toLowerCase();
      const k = prefix.includes('b') ? 'bytes' : 'str';
      if (kind && kind !== k) this.fail();
      kind = k;
      this.i += prefix.length;
      out += this.stringBody(prefix.includes('r'), k === 'bytes');
      this.skip(depth);
    }
    return out;
  }

  private stringBody(raw: boolean, bytes: boolean): string {
    const q = this.s[this.i] ?? '';
    const triple = this.s.startsWith(q.repeat(3), this.i);
    const close = triple ? q.repeat(3) : q;
    this.i += close.length;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) this.fail();
      if (this.s.startsWith(close, this.i)) {
        this.i += close.length;
        return out;
      }
      const c = this.s[this.i] ?? '';
      if (c === '\n' && !triple) this.fail();
      if (bytes && c.charCodeAt(0) > 127) this.fail();
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const n = this.s[this.i + 1];
      if (n === undefined) this.fail();
      if (raw) {
        out += c + n;
        this.i += 2;
        continue;
      }
      this.i += 2;
      const simple: Record<string, string> = { '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
      if (n in simple) out += simple[n];
      else if (/[0-7]/.test(n)) {
        let digits = n;
        while (digits.length < 3 && /[0-7]/.test(this.s[this.i] ?? '')) digits += this.s[this.i++];
        out += String.fromCodePoint(parseInt(digits, 8));
      } else if (n === 'x' || (!bytes && (n === 'u' || n === 'U'))) {
        const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail();
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) this.fail();
        out += String.fromCodePoint(cp);
        this.i += len;
      } else if (n === 'N' && !bytes) this.fail(); // named escapes: not supported, kept as text
      else out += '\\' + n;
    }
  }

  private number(): number {
    const rest = this.s.slice(this.i);
    const d = '[0-9](?:_?[0-9])*';
    const forms = [
      /^0[xX](?:_?[0-9a-fA-F])+/,
      /^0[oO](?:_?[0-7])+/,
      /^0[bB](?:_?[01])+/,
      new RegExp(`^(?:(?:${d})?\\.${d}|${d}\\.?)(?:[eE][-+]?${d})?`),
    ];
    for (const re of forms) {
      const m = re.exec(rest);
      if (!m) continue;
      const text = m[0];
      if (/^[jJ]/.test(rest.slice(text.length))) this.fail(); // complex
      if (/^[A-Za-z0-9_]/.test(rest.slice(text.length))) this.fail();
      this.i += text.length;
      const clean = text.replace(/_/g, '');
      if (/^0[xXoObB]/.test(clean)) return Number(clean.toLowerCase());
      if (/^[0-9]+$/.test(clean) && clean.length > 1 && clean.startsWith('0') && !/^0+$/.test(clean)) this.fail(); // 0123 is a SyntaxError
      return Number(clean);
    }
    this.fail();
  }

  private sequence(close: string, depth: number): unknown[] {
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.skip(depth + 1);
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.expression(depth + 1));
      this.skip(depth + 1);
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) this.fail();
    }
  }

  /** (x) is x; (), (x,) and (x, y) are tuples (arrays). */
  private tuple(depth: number): unknown {
    this.i++;
    const out: unknown[] = [];
    let comma = false;
    for (;;) {
      this.skip(depth + 1);
      if (this.s[this.i] === ')') {
        this.i++;
        return out.length === 1 && !comma ? out[0] : out;
      }
      out.push(this.expression(depth + 1));
      this.skip(depth + 1);
      if (this.s[this.i] === ',') {
        comma = true;
        this.i++;
      } else if (this.s[this.i] !== ')') this.fail();
    }
  }

  /** {} and {k: v, ...} (a dict), {a, b} (a set, as an array). */
  private braces(depth: number): unknown {
    this.i++;
    this.skip(depth + 1);
    if (this.s[this.i] === '}') {
      this.i++;
      return {};
    }
    const first = this.expression(depth + 1);
    this.skip(depth + 1);
    if (this.s[this.i] !== ':') {
      const set: unknown[] = [first];
      for (;;) {
        this.skip(depth + 1);
        if (this.s[this.i] === '}') {
          this.i++;
          return set;
        }
        if (this.s[this.i] !== ',') this.fail();
        this.i++;
        this.skip(depth + 1);
        if (this.s[this.i] === '}') continue;
        set.push(this.expression(depth + 1));
      }
    }
    const out: Record<string, unknown> = {};
    let key = first;
    for (;;) {
      if (typeof key === 'object' && key !== null) this.fail(); // unhashable (or a tuple key JSON cannot hold)
      this.i++; // ':'
      const value = this.expression(depth + 1);
      Object.defineProperty(out, pyKey(key), { value, enumerable: true, writable: true, configurable: true });
      this.skip(depth + 1);
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      if (this.s[this.i] !== ',') this.fail();
      this.i++;
      this.skip(depth + 1);
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      key = this.expression(depth + 1);
      this.skip(depth + 1);
      if (this.s[this.i] !== ':') this.fail();
    }
  }
}

/** A dict key as JSON writes it (Python's json: True -> "true", None -> "null"). */
function pyKey(key: unknown): string {
  if (key === null) return 'null';
  return String(key);
}

/**
 * `shlex.split(line, comments=True)` (POSIX mode): words split on
 * whitespace, '...' literal, "..." with \" and \\ escapes, a backslash
 * outside quotes escapes any character, `#` ends the line (also inside a
 * word). Throws an Error with Python's message on a missing closing quote.
 */
export function shlexSplit(line: string): { tokens: string[]; starts: number[] } {
  const tokens: string[] = [];
  const starts: number[] = [];
  let state: ' ' | 'a' | "'" | '"' | '\\' = ' ';
  let escaped: 'a' | '"' = 'a';
  let token = '';
  let quoted = false;
  let start = 0;
  const emit = (): void => {
    if (token || quoted) {
      tokens.push(token);
      starts.push(start);
    }
    token = '';
    quoted = false;
  };
  for (let i = 0; i <= line.length; i++) {
    const c = line[i];
    if (state === ' ') {
      if (c === undefined) break;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
      if (c === '#') break;
      start = i;
      if (c === '\\') {
        escaped = 'a';
        state = '\\';
      } else if (c === "'" || c === '"') state = c;
      else {
        token = c;
        state = 'a';
      }
    } else if (state === "'" || state === '"') {
      quoted = true;
      if (c === undefined) throw new Error('No closing quotation');
      if (c === state) state = 'a';
      else if (c === '\\' && state === '"') {
        escaped = '"';
        state = '\\';
      } else token += c;
    } else if (state === '\\') {
      if (c === undefined) throw new Error('No escaped character');
      if (escaped === '"' && c !== '\\' && c !== '"') token += '\\';
      token += c;
      state = escaped;
    } else {
      // in a word
      if (c === undefined) {
        emit();
        state = ' ';
        break;
      }
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        emit();
        state = ' ';
      } else if (c === '#') {
        emit();
        state = ' ';
        break;
      } else if (c === "'" || c === '"') state = c;
      else if (c === '\\') {
        escaped = 'a';
        state = '\\';
      } else token += c;
    }
  }
  if (state === "'" || state === '"') throw new Error('No closing quotation');
  return { tokens, starts };
}
