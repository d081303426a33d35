/**
 * `comin generate` and `comin validate`, as functions that return an exit code and write to the
 * given streams (the CLI in runtime/cli wires them to process.stdout/stderr).
 *
 * Exit codes: 0 ok; 1 `--check` found a stale output directory; 2 usage (validate: unknown file
 * type); 73 (EX_CANTCREAT) the output could not be written; 78 (EX_CONFIG) invalid configuration.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { formatIssue, type ConfigIssue } from "../dsl/issues.js";
import { parseRuntimeConfig, resolveFleet } from "../dsl/resolve.js";
import type { CominConfig } from "../dsl/schema.js";
import { planHostOutputs } from "./host-outputs.js";
import { ConfigLoadError, loadUserConfig } from "./load-config.js";
import { compareOutputDir, OutputWriteError, writeOutputDir } from "./output-dir.js";

export const EXIT_OK = 0;
export const EXIT_STALE = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANT_CREATE = 73;
export const EXIT_CONFIG = 78;

export interface Writer {
  write(text: string): unknown;
}

export interface GenerateOptions {
  /** The fleet configuration; `comin.config.ts` (in the working directory) when absent. */
  config?: string;
  out: string;
  check: boolean;
  stdout: Writer;
  stderr: Writer;
}

export interface ValidateOptions {
  /** A comin.config.ts (.ts, .mts, .cts, .js, .mjs, .cjs) or a resolved `<host>.json`; `comin.config.ts` (in the working directory) when absent. */
  file?: string;
  stdout: Writer;
  stderr: Writer;
}

const CONFIG_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

function printIssues(stderr: Writer, file: string, issues: readonly ConfigIssue[]): void {
  for (const issue of issues) stderr.write(`${formatIssue(issue, file)}\n`);
  stderr.write(`${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"}\n`);
}

export type FleetOutcome = { ok: true; hosts: Record<string, CominConfig> } | { ok: false };

/** Loads and resolves comin.config.ts (also for `comin publish`); problems are printed to `stderr`. */
export async function loadFleet(file: string, stderr: Writer): Promise<FleetOutcome> {
  let input: unknown;
  try {
    input = await loadUserConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigLoadError)) throw error;
    stderr.write(`${error.message}\n`);
    return { ok: false };
  }
  const resolution = resolveFleet(input);
  if (!resolution.ok) {
    printIssues(stderr, file, resolution.issues);
    return { ok: false };
  }
  return { ok: true, hosts: resolution.value };
}

export async function generateCommand(options: GenerateOptions): Promise<number> {
  const file = options.config ?? "comin.config.ts";
  const { stdout, stderr } = options;
  const fleet = await loadFleet(file, stderr);
  if (!fleet.ok) return EXIT_CONFIG;
  // Every file is computed before any is written: a failure above leaves the directory untouched.
  const files = planHostOutputs(fleet.hosts, path.basename(file));
  const shown = (name: string) => path.join(options.out, name);

  if (options.check) {
    const state = await compareOutputDir(options.out, files);
    for (const name of state.stale) stdout.write(`stale: ${shown(name)}\n`);
    for (const name of state.missing) stdout.write(`missing: ${shown(name)}\n`);
    for (const name of state.extra) stdout.write(`extra: ${shown(name)} (its host is no longer in ${file})\n`);
    const problems = state.stale.length + state.missing.length + state.extra.length;
    if (problems > 0) {
      stdout.write(`${options.out} is out of date (${problems} file${problems === 1 ? "" : "s"}): run comin generate ${file} --out ${options.out}\n`);
      return EXIT_STALE;
    }
    stdout.write(`${options.out} is up to date (${files.size} files)\n`);
    return EXIT_OK;
  }

  let report;
  try {
    report = await writeOutputDir(options.out, files);
  } catch (error) {
    if (!(error instanceof OutputWriteError)) throw error;
    stderr.write(`${error.message}\n`);
    return EXIT_CANT_CREATE;
  }
  for (const name of report.written) stdout.write(`wrote ${shown(name)}\n`);
  for (const name of report.removed) stdout.write(`removed ${shown(name)} (its host is no longer in ${file})\n`);
  for (const name of report.foreign) stdout.write(`left ${shown(name)} alone (not written by comin)\n`);
  stdout.write(`${report.written.length} written, ${report.unchanged.length} unchanged, ${report.removed.length} removed\n`);
  return EXIT_OK;
}

async function validateRuntimeJson(file: string, stdout: Writer, stderr: Writer): Promise<number> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "the file does not exist" : code ? `cannot read the file (${code})` : `invalid JSON: ${(error as Error).message}`;
    stderr.write(`${file}: ${reason}\n`);
    return EXIT_CONFIG;
  }
  const result = parseRuntimeConfig(data);
  if (!result.ok) {
    printIssues(stderr, file, result.issues);
    return EXIT_CONFIG;
  }
  stdout.write(`${file}: ok (resolved configuration of host ${result.value.hostname})\n`);
  return EXIT_OK;
}

export async function validateCommand(options: ValidateOptions): Promise<number> {
  const { file = "comin.config.ts", stdout, stderr } = options;
  const extension = path.extname(file).toLowerCase();
  if (extension === ".json") return validateRuntimeJson(file, stdout, stderr);
  if (!CONFIG_EXTENSIONS.includes(extension)) {
    stderr.write(`${file}: expected a comin.config.ts (${CONFIG_EXTENSIONS.join(", ")}) or a resolved .json file\n`);
    return EXIT_USAGE;
  }
  const fleet = await loadFleet(file, stderr);
  if (!fleet.ok) return EXIT_CONFIG;
  const names = Object.keys(fleet.hosts);
  stdout.write(`${file}: ok (${names.length} host${names.length === 1 ? "" : "s"}: ${names.join(", ")})\n`);
  return EXIT_OK;
}
