/** Seeded text mutations for the fuzz tests: lines dropped, doubled, re-indented; tokens that break YAML, Jinja, types and shells. */

/** Tokens that break YAML, Jinja, host patterns, types and shells. */
export const TOKENS = [
  '{{', '}}', '{%', '%}', '{#', ':', ': ', '- ', '[', ']', '{', '}', '!', '&a ', '*a', '"', "'", '#', '\t', '%', '|', '>',
  '{{ 5 }}', '{{ nope }}', '{{ x ==== 1 }}', '{% if %}', '{% endif %}', '{{ 1/0 }}', "{{ 'a' | int(') }}", '{{ [] | first }}',
  'one', '-1', '0', '300', '1e9', '0x1F', '~', 'null', 'yes', 'maybe', '""', '$(touch X)', '; rm -rf /', '\u0000', '\u00e9',
  'serial: one', 'when: x ====', 'loop: "{{ 5 }}"', 'mode: u+rw', 'become: perhaps', 'hosts: ""', 'hosts: []', 'all:!', '~[',
  'keepalived_vip: 10.0.0.1/24', 'keepalived_priority: 999', 'keepalived_interface: "e;x"', 'keepalived_vrrp_version: 4',
];

export function mutate(text: string, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const lines = text.split('\n');
  const n = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(rand() * lines.length);
    const line = lines[i] ?? '';
    switch (Math.floor(rand() * 8)) {
      case 0: // delete a line
        lines.splice(i, 1);
        break;
      case 1: // duplicate a line
        lines.splice(i, 0, line);
        break;
      case 2: {
        // insert a token inside a line
        const at = Math.floor(rand() * (line.length + 1));
        lines[i] = line.slice(0, at) + pick(TOKENS) + line.slice(at);
        break;
      }
      case 3: // replace a value after a colon
        lines[i] = line.includes(':') ? `${line.slice(0, line.indexOf(':') + 1)} ${pick(TOKENS)}` : line + pick(TOKENS);
        break;
      case 4: // change the indentation
        lines[i] = rand() < 0.5 ? `  ${line}` : line.replace(/^ {1,2}/, '');
        break;
      case 5: // a number becomes another
        lines[i] = line.replace(/\d+/, pick(['0', '-1', '256', '99999999999', '1.5', 'x']));
        break;
      case 6: // a new line with a token, at the line's indentation
        lines.splice(i, 0, `${/^\s*/.exec(line)?.[0] ?? ''}${pick(TOKENS)}`);
        break;
      default: {
        // drop a character
        const at = Math.floor(rand() * line.length);
        lines[i] = line.slice(0, at) + line.slice(at + 1);
      }
    }
  }
  return lines.join('\n');
}

