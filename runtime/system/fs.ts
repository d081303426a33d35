/** Small file-system helpers shared by the adapters. */
import { realpath } from "node:fs/promises";

/** The resolved path, or null when it does not exist (or cannot be resolved). */
export async function realpathOrNull(file: string): Promise<string | null> {
  try {
    return await realpath(file);
  } catch {
    return null;
  }
}
