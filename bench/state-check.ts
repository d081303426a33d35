/**
 * Is a state file (behaviour.md §9) usable as it is on disk? Judged by the agent's own loader
 * (runtime/state/validate.ts, the check `StateStore.load` makes): a file that fails here would make
 * the agent move it aside and lose its baseline. Keys it does not know are dropped, not fatal.
 */
import { readFile } from "node:fs/promises";
import { validateStateText } from "../runtime/state/validate.js";

/** Why `text` is not a usable state file, or null when it is. */
export function stateFileProblem(text: string): string | null {
  const validated = validateStateText(text);
  return validated.ok ? null : validated.reason;
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
