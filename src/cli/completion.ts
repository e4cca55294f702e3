/** `hapb completion bash|zsh`: a completion script built from the command tree. */
import type { Command } from 'commander';
import { ExitCode, HapbError } from '../errors/index.js';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script')
    .argument('[shell]', 'bash or zsh', 'bash')
    .addHelpText('after', `
Examples:
  source <(hapb completion bash)
  hapb completion zsh > "\${fpath[1]}/_hapb"`)
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new HapbError(`no completion for '${shell}'`, { exitCode: ExitCode.invalidInput, hint: 'use bash or zsh' });
      process.stdout.write(completionScript(program, shell));
    });
}

export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  const cases = program.commands
    .map((c) => {
      const subs = c.commands.map((s) => s.name());
      const opts = c.options.flatMap((o) => [o.short, o.long].filter((x): x is string => Boolean(x)));
      return `    ${c.name()}) words="${[...subs, ...opts].join(' ')}" ;;`;
    })
    .join('\n');
  const top = program.commands.map((c) => c.name()).join(' ');
  const body = `_hapb() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]} words
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${top} --help --version" -- "$cur") ); return
  fi
  case "$cmd" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -f -- "$cur") )
}
complete -o filenames -F _hapb hapb
`;
  return shell === 'bash' ? body : `autoload -U +X bashcompinit && bashcompinit\n${body}`;
}
