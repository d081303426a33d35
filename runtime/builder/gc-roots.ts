/**
 * GC roots of generations (`<stateDir>/gcroots/<generation id>`): each built generation is a real,
 * indirect Nix GC root until the agent forgets the generation (deployed systems stay rooted by
 * their profile generations).
 */
import { readdir, rm } from "node:fs/promises";
import path from "node:path";

export function gcRootOf(stateDir: string, generationId: string): string {
  return path.join(stateDir, "gcroots", generationId);
}

/** Removes the roots of generations not in `keep`. */
export async function pruneGcRoots(stateDir: string, keep: readonly string[]): Promise<void> {
  const dir = path.join(stateDir, "gcroots");
  const kept = new Set(keep);
  const entries = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(entries.filter((name) => !kept.has(name)).map((name) => rm(path.join(dir, name), { force: true })));
}
