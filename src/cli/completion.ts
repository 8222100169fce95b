/**
 * `mcpproxy-hook completion bash|zsh|fish`: a completion script made from the command definitions
 * themselves (commands, subcommands, options and their fixed choices), so it cannot drift from them.
 */
import type { Command, Option } from 'commander';

interface Spec {
  /** "" for the top level, "service" for `service …` */
  path: string;
  subcommands: Array<{ name: string; description: string }>;
  options: Array<{ flags: string[]; description: string; choices: string[] | undefined; takesValue: boolean }>;
}

function specs(program: Command): Spec[] {
  const out: Spec[] = [];
  const walk = (cmd: Command, path: string): void => {
    const visible = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
    const opts = (cmd.options as readonly Option[]).filter((o) => !o.hidden);
    out.push({
      path,
      subcommands: visible.map((c) => ({ name: c.name(), description: c.description() })),
      options: [
        ...opts.map((o) => ({
          flags: [o.short, o.long].filter((f): f is string => !!f),
          description: o.description,
          choices: o.argChoices,
          takesValue: o.required || o.optional,
        })),
        { flags: ['-h', '--help'], description: 'display help', choices: undefined, takesValue: false },
      ],
    });
    for (const c of visible) walk(c, path ? `${path} ${c.name()}` : c.name());
  };
  walk(program, '');
  return out;
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashCompletion(program: Command): string {
  const name = program.name();
  const fn = `_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
  const cases = specs(program).map((s) => {
    const words = [...s.subcommands.map((c) => c.name), ...s.options.flatMap((o) => o.flags)].join(' ');
    const choices = s.options
      .filter((o) => o.choices)
      .map((o) => `        ${o.flags.join('|')}) COMPREPLY=($(compgen -W ${shq((o.choices as string[]).join(' '))} -- "$cur")); return ;;`)
      .join('\n');
    return `    ${shq(s.path)})\n      case "$prev" in\n${choices}${choices ? '\n' : ''}      esac\n      COMPREPLY=($(compgen -W ${shq(words)} -- "$cur")) ;;`;
  });
  const subPaths = specs(program)
    .filter((s) => s.path)
    .map((s) => s.path);
  return `# bash completion for ${name}: add to ~/.bashrc
#   source <(${name} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmdpath="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    case " ${subPaths.map((p) => `|${p}|`).join(' ')} " in *"|\${cmdpath:+$cmdpath }$w|"*) cmdpath="\${cmdpath:+$cmdpath }$w" ;; esac
  done
  case "$cmdpath" in
${cases.join('\n')}
  esac
}
complete -o default -F ${fn} ${name}
`;
}

export function zshCompletion(program: Command): string {
  const name = program.name();
  const fn = `_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
  const all = specs(program);
  const cases = all.map((s) => {
    // _describe entries are "name:description"; a colon in the name would need a backslash (none has one)
    const subs = s.subcommands.map((c) => shq(`${c.name}:${c.description.slice(0, 70)}`)).join(' ');
    const opts = s.options.flatMap((o) => o.flags).join(' ');
    const values = s.options
      .filter((o) => o.choices)
      .map((o) => `        ${o.flags.join('|')}) compadd -- ${(o.choices as string[]).join(' ')}; return ;;`)
      .join('\n');
    return `    ${shq(s.path)})\n      case "\${words[CURRENT-1]}" in\n${values}${values ? '\n' : ''}      esac\n      subs=(${subs}); opts=(${opts}) ;;`;
  });
  const subPaths = all.filter((s) => s.path).map((s) => `|${s.path}|`);
  return `#compdef ${name}
# zsh completion for ${name}: add to ~/.zshrc (after compinit)
#   source <(${name} completion zsh)
${fn}() {
  local cmdpath="" w
  local -a subs opts
  for w in "\${(@)words[2,CURRENT-1]}"; do
    [[ $w == -* ]] && continue
    case " ${subPaths.join(' ')} " in *"|\${cmdpath:+$cmdpath }$w|"*) cmdpath="\${cmdpath:+$cmdpath }$w" ;; esac
  done
  case "$cmdpath" in
${cases.join('\n')}
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    compadd -- $opts
  elif (( \${#subs} )); then
    _describe -t commands command subs
  else
    _files
  fi
}
compdef ${fn} ${name}
`;
}

export function fishCompletion(program: Command): string {
  const name = program.name();
  const fn = `__${name.replace(/[^A-Za-z0-9]/g, '_')}`;
  const all = specs(program);
  const paths = all.filter((s) => s.path).map((s) => shq(s.path));
  const lines = [
    `# fish completion for ${name}: save as ~/.config/fish/completions/${name}.fish`,
    `#   ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
    `function ${fn}_path --description 'the subcommands typed so far'`,
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    "    set -l p ''",
    '    for w in $words',
    "        string match -q -- '-*' $w; and continue",
    '        set -l next (string trim -- "$p $w")',
    `        contains -- $next ${paths.join(' ')}; and set p $next`,
    '    end',
    '    echo $p',
    'end',
    `function ${fn}_at --description 'exactly these subcommands were typed'`,
    `    set -l p (${fn}_path)`,
    '    test "$p" = "$argv"',
    'end',
    `complete -c ${name} -f`,
  ];
  for (const s of all) {
    const cond = shq(`${fn}_at ${s.path}`.trim());
    for (const c of s.subcommands) lines.push(`complete -c ${name} -n ${cond} -a ${shq(c.name)} -d ${shq(c.description.slice(0, 80))}`);
    for (const o of s.options) {
      const long = o.flags.find((f) => f.startsWith('--'))?.slice(2);
      const short = o.flags.find((f) => /^-[^-]$/.test(f))?.slice(1);
      const parts = [`complete -c ${name} -n ${cond}`];
      if (long) parts.push(`-l ${long}`);
      if (short) parts.push(`-s ${short}`);
      if (o.takesValue) parts.push(o.choices ? `-x -a ${shq(o.choices.join(' '))}` : '-r');
      parts.push(`-d ${shq(o.description.slice(0, 80))}`);
      lines.push(parts.join(' '));
    }
  }
  return lines.join('\n') + '\n';
}
