/**
 * The daemon's own command line, read without the CLI framework: `comin run --config FILE
 * [--log-level L] [--log-format F]` (either `--opt value` or `--opt=value`) is all a service
 * manager passes, and the daemon then never loads commander and the client commands (~9 MiB of a
 * process that lives for months). Anything else (help, a typo, a value out of range, an option
 * twice) returns null and goes through the full CLI, which owns every message and exit code.
 */
import type { Level, LogFormat } from "../log.js";

export interface RunArguments {
  config: string;
  level: Level;
  format: LogFormat;
}

const CHOICES = {
  "--log-level": ["debug", "info", "warn", "error"],
  "--log-format": ["text", "json"],
} as const;

/** `args` are the arguments after the program (process.argv.slice(2)). */
export function fastRunArguments(args: readonly string[]): RunArguments | null {
  if (args[0] !== "run") return null;
  const seen = new Map<string, string>();
  for (let index = 1; index < args.length; index++) {
    const arg = args[index] ?? "";
    const equals = arg.indexOf("=");
    const name = equals > 0 ? arg.slice(0, equals) : arg;
    if (name !== "--config" && name !== "--log-level" && name !== "--log-format") return null;
    if (seen.has(name)) return null;
    let value: string | undefined;
    if (equals > 0) value = arg.slice(equals + 1);
    else value = args[++index];
    // A missing value, or one that looks like an option, is the CLI's to report.
    if (value === undefined || value === "" || value.startsWith("-")) return null;
    if (name !== "--config" && !(CHOICES[name] as readonly string[]).includes(value)) return null;
    seen.set(name, value);
  }
  const config = seen.get("--config");
  if (config === undefined) return null;
  return { config, level: (seen.get("--log-level") ?? "info") as Level, format: (seen.get("--log-format") ?? "text") as LogFormat };
}
