/**
 * `comin completion bash|zsh|fish`: completion scripts generated from the commander definition
 * (commands, subcommands, options, option choices; files after options that take a path).
 */
import { allCommands, valueOptions, type CommandInfo } from "./commands-tree.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

function words(command: CommandInfo): string[] {
  return [...command.subcommands.map((sub) => sub.path.at(-1)!), ...command.options.map((option) => option.long)];
}

/** `case` arms on the previous word: the choices of an option, or files. */
function choiceArms(root: CommandInfo, reply: (values: string[] | null) => string): string {
  const arms = new Map<string, string[] | null>();
  for (const command of allCommands(root)) {
    for (const option of command.options) if (option.takesValue) arms.set(option.long, option.choices.length > 0 ? option.choices : (arms.get(option.long) ?? null));
  }
  return [...arms].map(([name, values]) => `    ${name}) ${reply(values)} ;;`).join("\n");
}

function bash(root: CommandInfo): string {
  const paths = allCommands(root).map((command) => `    ${quote(command.path.join(" "))}) COMPREPLY=($(compgen -W ${quote(words(command).join(" "))} -- "$cur")) ;;`);
  return `# bash completion for comin (generated from the CLI definition: comin completion bash)
_comin() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" i skip=0
  case "$prev" in
${choiceArms(root, (values) => (values ? `COMPREPLY=($(compgen -W ${quote(values.join(" "))} -- "$cur")); return` : `COMPREPLY=($(compgen -f -- "$cur")); return`))}
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    if ((skip)); then skip=0; continue; fi
    case "\${COMP_WORDS[i]}" in
      ${valueOptions(root).join("|")}) skip=1 ;;
      -*) ;;
      *) path="\${path:+$path }\${COMP_WORDS[i]}" ;;
    esac
  done
  case "$path" in
${paths.join("\n")}
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -F _comin comin
`;
}

function zsh(root: CommandInfo): string {
  const paths = allCommands(root).map((command) => `    ${quote(command.path.join(" "))}) compadd -- ${words(command).map(quote).join(" ")} ;;`);
  return `#compdef comin
# zsh completion for comin (generated from the CLI definition: comin completion zsh)
_comin() {
  local prev=\${words[CURRENT-1]} i skip=0
  local -a cmd
  case $prev in
${choiceArms(root, (values) => (values ? `compadd -- ${values.map(quote).join(" ")}; return` : "_files; return"))}
  esac
  for ((i = 2; i < CURRENT; i++)); do
    if ((skip)); then skip=0; continue; fi
    case \${words[i]} in
      ${valueOptions(root).join("|")}) skip=1 ;;
      -*) ;;
      *) cmd+=(\${words[i]}) ;;
    esac
  done
  case "\${cmd[*]}" in
${paths.join("\n")}
    *) _files ;;
  esac
}
compdef _comin comin
`;
}

function fish(root: CommandInfo): string {
  const lines = ["# fish completion for comin (generated from the CLI definition: comin completion fish)", "complete -c comin -f"];
  for (const command of allCommands(root)) {
    // The command line holds exactly this path of subcommands so far.
    const condition = command.path.length === 0 ? "__fish_use_subcommand" : `__fish_seen_subcommand_from ${command.path.at(-1)}`;
    for (const sub of command.subcommands) lines.push(`complete -c comin -n ${quote(condition)} -a ${quote(sub.path.at(-1)!)} -d ${quote(sub.description)}`);
    for (const option of command.options) {
      const value = option.takesValue ? (option.choices.length > 0 ? ` -x -a ${quote(option.choices.join(" "))}` : " -r -F") : "";
      lines.push(`complete -c comin -n ${quote(condition)} -l ${option.long.replace(/^--/, "")}${option.short ? ` -s ${option.short.replace(/^-/, "")}` : ""}${value} -d ${quote(option.description)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function completionScript(shell: Shell, root: CommandInfo): string {
  return shell === "bash" ? bash(root) : shell === "zsh" ? zsh(root) : fish(root);
}
