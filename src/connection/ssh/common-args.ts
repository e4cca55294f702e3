/**
 * Reads ssh(1) command-line options out of `ansible_ssh_common_args` /
 * `ansible_ssh_extra_args`: `-o Key=Value` (or `-oKey=Value`, `-o 'Key Value'`),
 * `-J`, `-p`, `-l`, `-i`. Other flags are ignored. Keys are lower-cased; as in
 * ssh, the first value given for a key wins.
 */

import { shellSplit } from '../command.js';

export { shellSplit };

export interface SshArgs {
  /** `-o` options, lower-cased keys, first value wins */
  options: Map<string, string>;
  /** `-i` and `-o IdentityFile`, in order */
  identityFiles: string[];
}

/** ssh flags that take an argument (from ssh(1)); their argument is skipped when not understood */
const WITH_ARG = new Set('BbcDEeFIiJLlmOopQRSWw'.split(''));

function setOption(args: SshArgs, keyValue: string): void {
  const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/s.exec(keyValue);
  if (!m || m[1] === undefined || m[2] === undefined) throw new Error(`cannot read ssh option: -o ${keyValue}`);
  const key = m[1].toLowerCase();
  const value = m[2].trim();
  if (key === 'identityfile') args.identityFiles.push(value);
  else if (!args.options.has(key)) args.options.set(key, value);
}

/** Parse one or more argument strings (common args first, then extra args). */
export function parseSshArgs(...strings: (string | undefined)[]): SshArgs {
  const args: SshArgs = { options: new Map(), identityFiles: [] };
  for (const s of strings) {
    if (!s) continue;
    const words = shellSplit(s);
    for (let i = 0; i < words.length; i++) {
      const w = words[i] ?? '';
      if (!w.startsWith('-') || w.length < 2) continue;
      const flag = w[1] ?? '';
      if (!WITH_ARG.has(flag)) continue;
      let value: string | undefined = w.length > 2 ? w.slice(2) : words[++i];
      if (value === undefined) throw new Error(`ssh option -${flag} needs a value`);
      switch (flag) {
        case 'o':
          setOption(args, value);
          break;
        case 'J':
          if (!args.options.has('proxyjump')) args.options.set('proxyjump', value);
          break;
        case 'p':
          if (!args.options.has('port')) args.options.set('port', value);
          break;
        case 'l':
          if (!args.options.has('user')) args.options.set('user', value);
          break;
        case 'i':
          args.identityFiles.push(value);
          break;
        default:
          value = undefined;
      }
    }
  }
  return args;
}
