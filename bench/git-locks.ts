/**
 * git guards every ref and index update with a `<file>.lock` it creates first and renames last.
 * A git process killed in between leaves the lock behind, and every later update of that ref
 * fails with "Unable to create '….lock': File exists" until someone removes it.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";

/** Lock files anywhere under `repoDir` (paths relative to it), or [] when it does not exist. */
export async function findLockFiles(repoDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(repoDir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  // objects/ holds no locks that outlive a process (pack writes use temporary names).
  return entries.filter((entry) => entry.endsWith(".lock") && !entry.startsWith(`objects${path.sep}`)).sort();
}
