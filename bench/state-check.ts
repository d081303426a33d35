/**
 * Is a state file (behaviour.md §9) usable as it is on disk? The same skeleton the agent checks
 * when it loads one (runtime/state/store.ts): a file that fails here would make the agent move it
 * aside and lose its baseline.
 */
import { readFile } from "node:fs/promises";

/** Why `text` is not a usable state file, or null when it is. */
export function stateFileProblem(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `invalid JSON: ${(error as Error).message}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const state = value as Record<string, unknown>;
  if (state.schemaVersion !== 1) return `schemaVersion is ${JSON.stringify(state.schemaVersion)}, expected 1`;
  if (state.baseline !== null && typeof state.baseline !== "string") return "baseline is neither a string nor null";
  for (const key of ["generations", "deployments"]) if (!Array.isArray(state[key])) return `${key} is not an array`;
  for (const key of ["branches", "lastFetch"]) if (typeof state[key] !== "object" || state[key] === null) return `${key} is not an object`;
  if (typeof state.suspended !== "boolean") return "suspended is not a boolean";
  return null;
}

/** null when the file is usable or absent (a kill before the first write leaves none). */
export async function stateFileProblemAt(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    return `unreadable: ${(error as Error).message}`;
  }
  return stateFileProblem(text);
}
