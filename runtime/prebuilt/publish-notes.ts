/**
 * `comin publish`, the git side (behaviour.md §15): the manifest written as a git note on the
 * commit (merged with what was published before for that commit, also by another CI job), the
 * notes commit optionally signed (git's own `user.signingKey` / `gpg.format`), and the notes ref
 * pushed. A push that loses a race with another publisher fetches, merges and tries again.
 *
 * git runs with the CI user's configuration here (identity, signing key), unlike the agent's git:
 * the publisher runs on the operator's side, in their checkout.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { GitError, runGit, type GitResult } from "../git/run.js";
import { mergeManifest, readManifest, type Manifest, type ManifestHost } from "./manifest.js";

const PUSH_ATTEMPTS = 3;
const GIT_TIMEOUT_MS = 300_000;

/** The caller's identity and signing settings: GIT_AUTHOR_* and friends, and their global config. */
function userGit(): { env: Record<string, string>; globalConfigFile: string } {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && /^GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)$/.test(key)) env[key] = value;
  }
  const global = process.env.GIT_CONFIG_GLOBAL ?? path.join(homedir(), ".gitconfig");
  return { env, globalConfigFile: existsSync(global) ? global : "/dev/null" };
}

export class NotesWriter {
  private readonly user = userGit();

  constructor(
    private readonly repoDir: string,
    private readonly notesRef: string,
  ) {}

  git(args: readonly string[], options: { okExitCodes?: number[]; input?: string; what?: string } = {}): Promise<GitResult> {
    return runGit(args, { cwd: this.repoDir, env: this.user.env, globalConfigFile: this.user.globalConfigFile, timeoutMs: GIT_TIMEOUT_MS, ...options });
  }

  /** The commit `rev` names (default HEAD), in full. */
  async resolveCommit(rev: string): Promise<string> {
    const { stdout } = await this.git(["rev-parse", "--verify", "--end-of-options", `${rev}^{commit}`], { what: `git rev-parse ${rev}` });
    return stdout.trim();
  }

  /** The manifest already attached to `commit`; null when none (or an unreadable one, replaced). */
  async current(commit: string): Promise<{ manifest: Manifest | null; problem: string | null }> {
    const { exitCode, stdout } = await this.git(["notes", "--ref", this.notesRef, "show", "--end-of-options", commit], { okExitCodes: [0, 1], what: "git notes show" });
    if (exitCode !== 0) return { manifest: null, problem: null };
    const reading = readManifest(stdout);
    return reading.ok ? { manifest: reading.manifest, problem: null } : { manifest: null, problem: reading.reason };
  }

  /** Writes the merged manifest as the note of `commit`; signs the notes commit when asked. */
  async write(commit: string, hosts: Record<string, ManifestHost>, signCommit: boolean): Promise<{ manifest: Manifest; replaced: string | null }> {
    const { manifest: previous, problem } = await this.current(commit);
    const manifest = mergeManifest(previous, commit, hosts);
    await this.git(["notes", "--ref", this.notesRef, "add", "--force", "--file", "-", "--end-of-options", commit], { input: `${JSON.stringify(manifest, null, 2)}\n`, what: "git notes add" });
    if (signCommit) await this.signHead(commit);
    return { manifest, replaced: problem };
  }

  /** Replaces the notes ref's head by the same commit, signed (`git commit-tree -S`). */
  private async signHead(commit: string): Promise<void> {
    const head = (await this.git(["rev-parse", "--verify", `${this.notesRef}^{commit}`])).stdout.trim();
    const parents = (await this.git(["rev-parse", `${head}^@`])).stdout.split("\n").filter((line) => line !== "");
    const message = `comin publish: manifest of ${commit}`;
    const signed = await this.git(["commit-tree", "-S", ...parents.flatMap((parent) => ["-p", parent]), "-m", message, `${head}^{tree}`], { what: "git commit-tree -S (signing the notes commit)" });
    await this.git(["update-ref", this.notesRef, signed.stdout.trim(), head]);
  }

  /** Takes the remote's notes ref as the local one (before merging into it). */
  async fetch(remote: string): Promise<void> {
    const listed = await this.git(["ls-remote", "--refs", "--", remote, this.notesRef], { what: `git ls-remote ${remote}` });
    // Nothing published there yet: the local ref (if any) is what gets pushed.
    if (listed.stdout.trim() === "") return;
    await this.git(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", remote, `+${this.notesRef}:${this.notesRef}`], { what: `git fetch ${remote}` });
  }

  /**
   * Fetch, merge, write, push; again when another publisher pushed in between (non-fast-forward).
   * Returns the manifest as pushed.
   */
  async publish(remote: string | null, commit: string, hosts: Record<string, ManifestHost>, signCommit: boolean): Promise<{ manifest: Manifest; replaced: string | null }> {
    for (let attempt = 1; ; attempt++) {
      if (remote !== null) await this.fetch(remote);
      const written = await this.write(commit, hosts, signCommit);
      if (remote === null) return written;
      try {
        await this.git(["push", "--quiet", "--", remote, `${this.notesRef}:${this.notesRef}`], { what: `git push ${remote} ${this.notesRef}` });
        return written;
      } catch (error) {
        const rejected = error instanceof GitError && /rejected|fetch first|non-fast-forward|stale info/i.test(error.message);
        if (!rejected || attempt >= PUSH_ATTEMPTS) throw error;
      }
    }
  }
}
