/**
 * Helpers for the tests of the Nix and system side (evaluate, build, deploy, reboot):
 *
 * - `tempDir(t)`: a temporary directory removed when the test ends.
 * - `createAgentRepo(t, write)`: a work repository whose commits are pushed into a BARE repository
 *   under `refs/remotes/origin/main` only, as the agent's fetches leave them (no refs/heads).
 * - `instantiate(dir, systems, host)`: the drv and out paths of a test host, without git.
 * - `processRunning(pid)`, `waitFor(condition)`: poll with a deadline, never sleep to synchronise.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { EVALUATION_APPLY } from "../../runtime/nix/evaluate.js";
import { nixString, writeTestNixExpression, type TestSystems } from "../../scripts/lib/test-system.js";
import { tempDir as makeTempDir, type Teardown } from "./temp.js";

export type { Teardown };

/** A fresh temporary directory ("comin-nix-…"), removed when the test ends. */
export const tempDir = (t: Teardown, prefix = "comin-nix-"): Promise<string> => makeTempDir(t, prefix);

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Fleet Admin",
  GIT_AUTHOR_EMAIL: "admin@example.test",
  GIT_COMMITTER_NAME: "Fleet Admin",
  GIT_COMMITTER_EMAIL: "admin@example.test",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

/** The test's thin git wrapper: hooks disabled, fixed identity, no user config. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const result = await execa("git", ["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", ...args], { cwd, env: GIT_ENV, stdin: "ignore" });
  return result.stdout.trim();
}

export interface AgentRepo {
  /** The bare repository, as in the agent's state directory. */
  bare: string;
  /** The ref holding the commits. */
  ref: string;
  /** Writes files with `write`, commits them and pushes to the bare repository; returns the sha. */
  commit(write: (workTree: string) => Promise<unknown>, message?: string): Promise<string>;
}

export async function createAgentRepo(t: Teardown, prefix = "comin-repo-"): Promise<AgentRepo> {
  const dir = await tempDir(t, prefix);
  const work = path.join(dir, "work");
  const bare = path.join(dir, "repository");
  await git(dir, ["init", "-q", "-b", "main", work]);
  await git(dir, ["init", "-q", "--bare", bare]);
  const ref = "refs/remotes/origin/main";
  let count = 0;
  return {
    bare,
    ref,
    async commit(write, message = `commit ${++count}`) {
      await write(work);
      await git(work, ["add", "-A"]);
      await git(work, ["commit", "-q", "--allow-empty", "-m", message]);
      await git(work, ["push", "-q", "--force", bare, `HEAD:${ref}`]);
      return git(work, ["rev-parse", "HEAD"]);
    },
  };
}

/** drv and out paths of `host`, evaluated from a classic expression (no git, no build). */
export async function instantiate(dir: string, systems: TestSystems, host: string): Promise<{ drv: string; out: string }> {
  await writeTestNixExpression(dir, systems);
  const { stdout } = await execa(
    "nix",
    ["--extra-experimental-features", "nix-command", "eval", "--json", "--file", dir, `machines.${nixString(host)}`, "--apply", EVALUATION_APPLY],
    { stdin: "ignore" },
  );
  const { drv, out } = JSON.parse(stdout) as { drv: string; out: string };
  return { drv, out };
}

/** Whether a process runs (zombies, waiting to be reaped, do not count). */
export async function processRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Polls `condition` until it holds; throws with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Lines a test system's fake switch-to-configuration recorded, as `[operation, outPath]`. */
export async function recordedCalls(record: string): Promise<[string, string][]> {
  const text = await readFile(record, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split(" ") as [string, string]);
}
