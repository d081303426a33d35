/**
 * Reads the resolved JSON that `comin generate` (or the NixOS module) writes, with the same schema
 * the generators use. Every problem is reported at once.
 */
import { readFile } from "node:fs/promises";
import { formatIssue, type ConfigIssue } from "../dsl/issues.js";
import { parseRuntimeConfig } from "../dsl/resolve.js";
import type { CominConfig } from "../dsl/schema.js";

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

export async function loadRuntimeConfig(file: string): Promise<CominConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [{ path: [], message: code === "ENOENT" ? "the file does not exist" : `cannot read the file (${code ?? String(error)})` }], { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [{ path: [], message: `invalid JSON: ${(error as Error).message}` }], { cause: error });
  }
  const result = parseRuntimeConfig(data);
  if (!result.ok) throw new ConfigError(file, result.issues);
  return result.value;
}
