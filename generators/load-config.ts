/**
 * Loads a user's comin.config.ts (or .mts/.js/.mjs) and returns its default export, evaluated.
 * jiti transpiles TypeScript on the fly, and an alias makes `import ... from "comin"` resolve to
 * this package's own DSL, so the user's repository needs no node_modules.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createJiti } from "jiti";

export type ConfigLoadFailure = "missing" | "syntax" | "throws" | "no-default-export" | "shape";

export class ConfigLoadError extends Error {
  override readonly name = "ConfigLoadError";
  constructor(
    readonly kind: ConfigLoadFailure,
    /** The file as the caller named it. */
    readonly file: string,
    readonly reason: string,
    /** 1-based line in `file`, when the failure points at one. */
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(`${file}${line ? `:${line}` : ""}: ${reason}`, options);
  }
}

const DSL_ENTRY = fileURLToPath(new URL("../dsl/index.js", import.meta.url));

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The line of `absolute` that an error's message or stack points at, if any. */
function lineIn(error: unknown, absolute: string): number | undefined {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : "";
  const escaped = absolute.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`(?:file://)?${escaped}:(\\d+)(?::\\d+)?`).exec(text);
  return match ? Number(match[1]) : undefined;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // jiti appends " \n <file>:<line>:<col>" to parse errors; the line is reported separately.
  return (message.split("\n")[0] ?? "").replace(/^ParseError:\s*/, "").trim();
}

function isParseError(error: unknown): boolean {
  return error instanceof SyntaxError || (error instanceof Error && /^(?:ParseError|SyntaxError)\b/.test(error.message));
}

/**
 * The configuration object: the default export, or what it returns when it is a (sync or async)
 * function. Throws ConfigLoadError for a missing file, a syntax error, an exception while
 * importing or calling, a missing default export, or a default export that is not an object.
 */
export async function loadUserConfig(file: string): Promise<unknown> {
  const absolute = path.resolve(file);
  try {
    if (!(await stat(absolute)).isFile()) throw new ConfigLoadError("missing", file, "not a regular file");
  } catch (error) {
    if (error instanceof ConfigLoadError) throw error;
    throw new ConfigLoadError("missing", file, "the file does not exist", undefined, { cause: error });
  }
  const jiti = createJiti(import.meta.url, {
    alias: { comin: DSL_ENTRY },
    // A config is read once per command; a cache would only leave files in the user's tree or /tmp
    // and could serve a stale module to a second load in the same process.
    fsCache: false,
    moduleCache: false,
    interopDefault: false,
  });
  let module: unknown;
  try {
    module = await jiti.import(absolute);
  } catch (error) {
    const kind = isParseError(error) ? "syntax" : "throws";
    const reason = kind === "syntax" ? `syntax error: ${firstLine(error)}` : `failed while importing: ${firstLine(error)}`;
    throw new ConfigLoadError(kind, file, reason, lineIn(error, absolute), { cause: error });
  }
  if (!isPlainObject(module) || !("default" in module) || module.default === undefined) {
    throw new ConfigLoadError("no-default-export", file, "no default export: write `export default defineConfig({ ... })`");
  }
  let config: unknown = module.default;
  if (typeof config === "function") {
    try {
      config = await (config as () => unknown)();
    } catch (error) {
      throw new ConfigLoadError("throws", file, `the exported function threw: ${firstLine(error)}`, lineIn(error, absolute), { cause: error });
    }
    if (!isPlainObject(config)) {
      throw new ConfigLoadError("shape", file, `the exported function returned ${describe(config)}, expected the configuration object`);
    }
    return config;
  }
  if (!isPlainObject(config)) {
    throw new ConfigLoadError("shape", file, `the default export is ${describe(config)}, expected defineConfig({ ... }) or a function returning it`);
  }
  return config;
}
