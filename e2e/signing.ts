/**
 * Signing as a fleet admin does it: `git commit --amend -S` with the admin's own GNUPGHOME (a
 * temporary one holding a key made by real gpg, see test/helpers/git.ts `createGpgKey`).
 */
import { execa } from "execa";
import { git, GIT_ENV } from "../test/helpers/daemon.js";
import type { GpgKey } from "../test/helpers/git.js";

/** Re-creates the work tree's HEAD commit signed by `key` (same tree, parent and message); returns its sha. */
export async function signHead(workTree: string, key: GpgKey): Promise<string> {
  await execa("git", ["-c", "core.hooksPath=/dev/null", "commit", "-q", "--amend", "--no-edit", `-S${key.fingerprint}`], {
    cwd: workTree,
    env: { ...GIT_ENV, GNUPGHOME: key.gnupgHome },
    stdin: "ignore",
  });
  return git(workTree, ["rev-parse", "HEAD"]);
}
