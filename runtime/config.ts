/**
 * Reads the resolved JSON that `comin generate` (or the NixOS module) writes, with the same schema
 * the generators use. Every problem is reported at once.
 *
 * The schema is zod, and zod costs the process that loads it ~13 MiB of memory for as long as it
 * lives. The daemon therefore checks its configuration in a short-lived child process
 * (`config-check.ts`, `loadRuntimeConfigIsolated`) and only reads the checked result; the
 * short-lived CLI commands check in-process, loading the schema only when they need it.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { formatIssue, type ConfigIssue } from "../dsl/issue-format.js";
import type { CominConfig } from "../dsl/schema.js";
import { runProcess, stderrExcerpt } from "./process.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((issue) => formatIssue(issue, file)).join("\n"), options);
  }
}

/** What the checker prints: the resolved configuration, or every problem found. */
export type ConfigCheck = { ok: true; config: CominConfig } | { ok: false; issues: ConfigIssue[] };

/** Checks `file` in this process (loads the schema). */
export async function checkConfigFile(file: string): Promise<ConfigCheck> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, issues: [{ path: [], message: code === "ENOENT" ? "the file does not exist" : `cannot read the file (${code ?? String(error)})` }] };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, issues: [{ path: [], message: `invalid JSON: ${(error as Error).message}` }] };
  }
  const { parseRuntimeConfig } = await import("../dsl/resolve.js");
  const result = parseRuntimeConfig(data);
  return result.ok ? { ok: true, config: result.value } : { ok: false, issues: result.issues };
}

export async function loadRuntimeConfig(file: string): Promise<CominConfig> {
  const check = await checkConfigFile(file);
  if (!check.ok) throw new ConfigError(file, check.issues);
  return check.config;
}

const CHECKER = fileURLToPath(new URL("./config-check.js", import.meta.url));
const CHECK_TIMEOUT_MS = 60_000;
/** The checker's verdict is printed as CHECK_MARKER + JSON + CHECK_END. */
export const CHECK_MARKER = "\u0000comin-config-check\u0000";
export const CHECK_END = "\u0000end\u0000";

/**
 * The same as `loadRuntimeConfig`, with the schema loaded in a child process (the running node,
 * `config-check.js`) that exits once it has printed its verdict: the daemon never holds zod.
 */
export async function loadRuntimeConfigIsolated(file: string): Promise<CominConfig> {
  const result = await runProcess(process.execPath, [CHECKER, file], { timeoutMs: CHECK_TIMEOUT_MS, killGraceMs: 0 });
  let check: ConfigCheck | null = null;
  // Between markers: node options inherited by the checker (--trace-gc, --trace-warnings) may
  // print on its stdout too.
  // (JSON never holds a raw NUL, so the markers cannot occur inside the verdict.)
  const start = result.stdout.lastIndexOf(CHECK_MARKER);
  const stop = start < 0 ? -1 : result.stdout.indexOf(CHECK_END, start);
  if (result.exitCode === 0 && stop > start) {
    try {
      check = JSON.parse(result.stdout.slice(start + CHECK_MARKER.length, stop)) as ConfigCheck;
    } catch {
      check = null;
    }
  }
  if (check === null) {
    const why = result.spawnError?.message ?? result.stoppedBy ?? (result.signal ? `signal ${result.signal}` : result.exitCode === 0 ? "it printed no verdict" : `exit code ${result.exitCode}`);
    throw new Error(`the configuration checker (${CHECKER}) failed: ${why}${result.stderrLines.length ? `: ${stderrExcerpt(result.stderrLines)}` : ""}`);
  }
  if (!check.ok) throw new ConfigError(file, check.issues);
  return check.config;
}
