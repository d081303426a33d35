/**
 * A temporary checkout of one commit of the bare repository, for repositories that are not
 * flakes (Nix evaluates those from files). A minimal local git adapter: git runs through
 * simple-git with hooks disabled (`post-checkout` would run repository code as root).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { StageError } from "../errors.js";

function git(repoDir: string, signal?: AbortSignal): SimpleGit {
  return simpleGit({
    baseDir: repoDir,
    config: ["core.hooksPath=/dev/null"],
    unsafe: { allowUnsafeHooksPath: true },
    timeout: { block: 120_000 },
    ...(signal ? { abort: signal } : {}),
  });
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
  const repo = git(args.repoDir, args.signal);
  try {
    // Registrations left by a crash (their directories are gone) would accumulate otherwise.
    await repo.raw(["worktree", "prune"]);
    await repo.raw(["worktree", "add", "--detach", "--force", dir, args.commit]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if (args.signal?.aborted) throw new StageError("cancelled", "evaluation was cancelled", { cause: error });
    throw new StageError("failed", `cannot check out ${args.commit}: ${(error as Error).message.trim()}`, { cause: error });
  }
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await git(args.repoDir)
      .raw(["worktree", "prune"])
      .catch(() => undefined);
  }
}
