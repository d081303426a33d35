/**
 * Counting the processes an agent starts: wrapper executables named `nix`, `nix-instantiate`,
 * `nix-build`, `nix-store`, `nix-env` (and `git`), put first on the daemon's PATH, append their
 * name, parent pid and argv to a log, then exec the real program. The wrappers are POSIX sh
 * scripts (a fixture executable, like the test systems' switch-to-configuration), so they work
 * for any child; the parent pid tells the agent's own calls from those of its children (Nix runs
 * git to fetch a flake).
 *
 * Log format: for each call, NUL-terminated fields `<program> <ppid> <argc> <arg>...` written by
 * one `printf` on an O_APPEND file, i.e. one write(2): concurrent calls never interleave.
 * Arguments may contain newlines (the `--apply` expression does), hence NUL separators.
 */
import { access, constants, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { writeExecutable } from "../test/helpers/temp.js";

export const NIX_PROGRAMS = ["nix", "nix-instantiate", "nix-build", "nix-store", "nix-env"] as const;

export interface SpiedCall {
  program: string;
  /** Parent pid of the call: the daemon's pid for its own calls. */
  ppid: number;
  args: string[];
}

export interface ProcessSpy {
  /** Directory to put first on PATH. */
  binDir: string;
  logFile: string;
  /** Every call logged so far, in order. */
  calls(): Promise<SpiedCall[]>;
}

export class SpyError extends Error {
  override readonly name = "SpyError";
}

/** A POSIX shell single-quoted word. */
function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Absolute path of `program` on the current PATH (the real one the wrapper will exec). */
async function which(program: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir === "") continue;
    const candidate = path.join(dir, program);
    const executable = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (executable) return candidate;
  }
  return null;
}

export async function createProcessSpy(dir: string, programs: readonly string[] = NIX_PROGRAMS): Promise<ProcessSpy> {
  const binDir = path.join(dir, "bin");
  const logFile = path.join(dir, "calls.log");
  await mkdir(binDir, { recursive: true });
  await writeFile(logFile, "");
  for (const program of programs) {
    const real = await which(program);
    if (real === null) {
      if (program === "nix") throw new SpyError("nix is not on PATH: the benchmarks need real Nix (spec/nix-offline.md)");
      continue;
    }
    const script = `#!/bin/sh\nprintf '%s\\0' ${shellWord(program)} "$PPID" "$#" "$@" >> ${shellWord(logFile)}\nexec ${shellWord(real)} "$@"\n`;
    // Through install(1): a script this process had open for writing could fail to exec (ETXTBSY)
    // while another spawn of this process still holds the descriptor.
    await writeExecutable(path.join(binDir, program), script);
  }
  return { binDir, logFile, calls: async () => parseSpyLog(await readFile(logFile, "utf8")) };
}

export function parseSpyLog(text: string): SpiedCall[] {
  const fields = text.split("\0");
  // A complete log ends with a NUL, so the last field is empty.
  fields.pop();
  const calls: SpiedCall[] = [];
  let index = 0;
  while (index < fields.length) {
    const program = fields[index] ?? "";
    const ppid = Number(fields[index + 1]);
    const argc = Number(fields[index + 2]);
    if (!Number.isInteger(ppid) || !Number.isInteger(argc) || argc < 0 || index + 3 + argc > fields.length) {
      throw new SpyError(`corrupt spy log at field ${index}: ${JSON.stringify(fields.slice(index, index + 4))}`);
    }
    calls.push({ program, ppid, args: fields.slice(index + 3, index + 3 + argc) });
    index += 3 + argc;
  }
  return calls;
}

/** `nix` options that take a value, skipped to find the subcommand. */
const NIX_OPTIONS_WITH_ONE_VALUE = new Set(["--extra-experimental-features", "--experimental-features", "--store", "--log-format", "--eval-store"]);
const NIX_OPTIONS_WITH_TWO_VALUES = new Set(["--option", "--arg", "--argstr", "--override-input"]);
/** `nix` subcommands that evaluate Nix code. */
const EVALUATING_SUBCOMMANDS = new Set(["eval", "build", "derivation", "show-derivation", "path-info", "run", "shell", "develop", "repl", "flake", "search", "print-dev-env", "bundle"]);

/** The first non-option argument of a `nix` call (its subcommand), or null. */
export function nixSubcommand(args: readonly string[]): string | null {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (NIX_OPTIONS_WITH_ONE_VALUE.has(arg)) index += 1;
    else if (NIX_OPTIONS_WITH_TWO_VALUES.has(arg)) index += 2;
    else if (!arg.startsWith("-")) return arg;
  }
  return null;
}

/** Whether this call evaluates Nix code (`nix eval`, `nix build`, `nix-instantiate`, `nix-build`, …). */
export function isEvaluation(call: SpiedCall): boolean {
  if (call.program === "nix-instantiate" || call.program === "nix-build") return true;
  if (call.program !== "nix") return false;
  const subcommand = nixSubcommand(call.args);
  return subcommand !== null && EVALUATING_SUBCOMMANDS.has(subcommand);
}
