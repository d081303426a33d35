/**
 * A temporary checkout of one commit of the bare repository, for repositories that are not
 * flakes (Nix evaluates those from files). git runs through the runtime's git route, with hooks
 * disabled (`post-checkout` would run repository code as root).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { errorMessage, StageError } from "../errors.js";
import { runGit } from "../git/run.js";

const WORKTREE_TIMEOUT_MS = 120_000;

function worktree(repoDir: string, args: string[], signal?: AbortSignal) {
  return runGit(["worktree", ...args], { cwd: repoDir, timeoutMs: WORKTREE_TIMEOUT_MS, ...(signal ? { signal } : {}) });
}

/**
 * Checks `commit` out under `workDir`, runs `use` with the directory, then removes the worktree
 * (also when `use` throws).
 */
export async function withWorktree<T>(
  args: { repoDir: string; commit: string; workDir: string; signal?: AbortSignal },
  use: (dir: string) => Promise<T>,
): Promise<T> {
  await mkdir(args.workDir, { recursive: true });
  const dir = await mkdtemp(path.join(args.workDir, "checkout-"));
  try {
    // Registrations left by a crash (their directories are gone) would accumulate otherwise.
    await worktree(args.repoDir, ["prune"], args.signal);
    await worktree(args.repoDir, ["add", "--detach", "--force", dir, args.commit], args.signal);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if (args.signal?.aborted) throw new StageError("cancelled", "evaluation was cancelled", { cause: error });
    throw new StageError("failed", `cannot check out ${args.commit}: ${errorMessage(error).trim()}`, { cause: error });
  }
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await worktree(args.repoDir, ["prune"]).catch(() => undefined);
  }
}
