/**
 * The CLI's commands as data, read from the commander definition (program.ts): what shell
 * completions and the man page are generated from, so they never drift from the real options.
 */
import type { Command, Option } from "commander";

export interface OptionInfo {
  long: string;
  short: string | null;
  description: string;
  /** The option takes a value (`--socket <path>`). */
  takesValue: boolean;
  valueName: string | null;
  choices: string[];
}

export interface CommandInfo {
  /** Names from the root's first subcommand on: [] for `comin`, ["deployment", "list"]. */
  path: string[];
  description: string;
  usage: string;
  options: OptionInfo[];
  subcommands: CommandInfo[];
}

function optionInfo(option: Option): OptionInfo {
  const choices = (option as Option & { argChoices?: string[] }).argChoices ?? [];
  const valueName = /<([^>]+)>|\[([^\]]+)\]/.exec(option.flags);
  return {
    long: option.long ?? option.flags,
    short: option.short ?? null,
    description: option.description,
    takesValue: option.required || option.optional,
    valueName: valueName ? (valueName[1] ?? valueName[2] ?? null) : null,
    choices,
  };
}

const HELP: OptionInfo = { long: "--help", short: "-h", description: "display help for the command", takesValue: false, valueName: null, choices: [] };

export function commandTree(command: Command, path: string[] = []): CommandInfo {
  return {
    path,
    description: command.description(),
    usage: command.usage(),
    options: [...command.options.map(optionInfo), HELP],
    subcommands: command.commands.map((sub) => commandTree(sub, [...path, sub.name()])),
  };
}

/** Every command of the tree, depth first (the root first). */
export function allCommands(root: CommandInfo): CommandInfo[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** Options that take a value, by name, across the tree: a completion skips the word after them. */
export function valueOptions(root: CommandInfo): string[] {
  const names = allCommands(root).flatMap((command) => command.options.filter((option) => option.takesValue).flatMap((option) => [option.long, ...(option.short ? [option.short] : [])]));
  return [...new Set(names)].sort();
}
