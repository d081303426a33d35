/**
 * `comin man`: the comin(1) man page in roff, generated from the commander definition (every
 * command and option), plus the exit codes, environment and files the CLI relies on.
 */
import { allCommands, type CommandInfo } from "./commands-tree.js";

/** roff-safe text: backslashes doubled, a leading dot or quote escaped, dashes kept as minus signs. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .replace(/^([.'])/gm, "\\&$1");
}

const EXIT_CODES: [string, string][] = [
  ["0", "success; for status: nothing is wrong"],
  ["1", "the request failed; for status: a problem is shown (a refused head, a failed fetch, evaluation, build or deployment); for fetch \\-\\-wait: a fetch failed or a head was refused"],
  ["2", "invalid usage, or a request the daemon refused as invalid"],
  ["3", "the daemon is not running"],
  ["77", "permission denied on the socket (run as root)"],
  ["78", "invalid configuration"],
];

function optionLines(command: CommandInfo): string[] {
  return command.options.flatMap((option) => {
    const value = option.takesValue ? ` \\fI${roff(option.valueName ?? "value")}\\fR` : "";
    const choices = option.choices.length > 0 ? ` (${option.choices.map(roff).join(", ")})` : "";
    return [".TP", `\\fB${option.short ? `${roff(option.short)}, ` : ""}${roff(option.long)}\\fR${value}`, `${roff(option.description)}${choices}`];
  });
}

export function manPage(root: CommandInfo, version: string): string {
  const lines = [
    `.TH COMIN 1 "" "comin ${roff(version)}" "User Commands"`,
    ".SH NAME",
    `comin \\- ${roff(root.description)}`,
    ".SH SYNOPSIS",
    "\\fBcomin\\fR \\fIcommand\\fR [\\fIoptions\\fR]",
    ".SH DESCRIPTION",
    "The agent runs as \\fBcomin run\\fR (a systemd service under the NixOS module); the other commands talk to it over its local socket, found through \\fB\\-\\-socket\\fR, else \\fB\\-\\-config\\fR, else \\fBCOMIN_CONFIG\\fR, else \\fI/etc/comin/config.json\\fR, else \\fI/var/lib/comin/comin.sock\\fR.",
    ".SH OPTIONS",
    ...optionLines(root),
    ".SH COMMANDS",
  ];
  for (const command of allCommands(root).slice(1)) {
    lines.push(".SS", `\\fBcomin ${roff(command.path.join(" "))}\\fR ${roff(command.usage)}`.trimEnd(), roff(command.description), ...optionLines(command));
  }
  lines.push(".SH EXIT STATUS", ...EXIT_CODES.flatMap(([code, meaning]) => [".TP", `\\fB${code}\\fR`, meaning]));
  lines.push(
    ".SH ENVIRONMENT",
    ".TP",
    "\\fBCOMIN_CONFIG\\fR",
    "resolved JSON configuration whose paths.socket locates the daemon",
    ".TP",
    "\\fBNO_COLOR\\fR",
    "no colours in the daemon's text log",
    ".TP",
    "\\fBJOURNAL_STREAM\\fR",
    "set by systemd: text log lines carry journald priorities",
    ".SH FILES",
    ".TP",
    "\\fI/etc/comin/config.json\\fR",
    "the service's configuration, installed by the NixOS module",
    ".TP",
    "\\fI/var/lib/comin\\fR",
    "state directory: repository, state.json, comin.sock, gcroots",
  );
  return `${lines.join("\n")}\n`;
}
