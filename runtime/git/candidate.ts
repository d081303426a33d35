/**
 * The candidate branch of the agent's bare repository: `refs/heads/comin/candidate`, with HEAD
 * pointing at it, set to the commit being evaluated for as long as its evaluation runs
 * (behaviour.md §5).
 *
 * Why a real branch: the agent fetches into `refs/remotes/*` only, so HEAD names a branch that does
 * not exist. Nix fetches a bare repository like a remote one; some current Nix and Lix versions then
 * take the first ref `git ls-remote` lists (alphabetically) for HEAD and look the commit up there,
 * which fails whenever that branch does not contain it (the established agent's issue 176;
 * `ref=refs/remotes/…` does not help there). Nix 2.8 fetches the flake URL's `ref` and needs the
 * commit on it. With HEAD → this branch → the commit, and the branch as `ref`, every version finds
 * it; and a `git gc` cannot drop the commit while Nix reads it, nor after (until the next one).
 *
 * Every evaluation moves the one branch, so evaluations of a repository (in this process) run one
 * at a time: the branch holds still from the moment it points at a commit until that commit's
 * evaluation has ended. A newer candidate cancels the running evaluation (its signal), then waits
 * for it here, a moment.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { StageError } from "../errors.js";
import { GitError, runGit } from "./run.js";
import { readLooseObject, writeLooseRef } from "./loose-object.js";
import { OBJECT_ID } from "./object-id.js";

export const CANDIDATE_REF = "refs/heads/comin/candidate";
/** A commit object larger than this is left to git to check. */
const MAX_COMMIT_READ = 1024 * 1024;


/** Per repository: the end of the last evaluation queued there. */
const queues = new Map<string, Promise<void>>();

/** Resolves when `previous` does; rejects as cancelled if `signal` aborts first. */
function waitForTurn(previous: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return previous;
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener("abort", onAbort, { once: true });
    void previous.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

function cancelled(cause?: unknown): StageError {
  return new StageError("cancelled", "evaluation was cancelled", cause === undefined ? undefined : { cause });
}

/**
 * Whether HEAD already names the candidate branch, read from the HEAD file (the files ref backend
 * of the repository the agent created). Anything else, unreadable included, says no.
 */
async function headIsCandidate(gitDir: string): Promise<boolean> {
  const head = await readFile(path.join(gitDir, "HEAD"), "utf8").catch(() => "");
  return head === `ref: ${CANDIDATE_REF}\n`;
}

/**
 * Points the candidate branch at `commit` and HEAD at the branch: one git call, two the first
 * time, none when the commit is a loose object (what a fetch of a few commits leaves).
 */
export async function pointCandidate(gitDir: string, commit: string, signal?: AbortSignal): Promise<void> {
  if (!OBJECT_ID.test(commit)) {
    throw new StageError("failed", `invalid commit id ${JSON.stringify(commit)}: expected 40 or 64 lowercase hexadecimal characters`);
  }
  const options = { cwd: gitDir, gitDir, ...(signal ? { signal } : {}) };
  // Without a git process when certain: HEAD already names the branch (so the files ref backend,
  // whose HEAD is a file; reftable's is a stub) and the commit is a loose commit object here.
  if (await headIsCandidate(gitDir)) {
    const object = await readLooseObject(gitDir, commit, MAX_COMMIT_READ);
    if (object?.type === "commit" && (await writeLooseRef(gitDir, CANDIDATE_REF, commit))) return;
  }
  try {
    // git refuses a missing object, and anything but a commit under refs/heads/.
    await runGit(["update-ref", "-m", "comin: evaluate", CANDIDATE_REF, commit], { ...options, what: `git update-ref ${CANDIDATE_REF}` });
    // HEAD stays on the branch from one evaluation to the next: only the first one moves it.
    if (!(await headIsCandidate(gitDir))) await runGit(["symbolic-ref", "HEAD", CANDIDATE_REF], { ...options, what: "git symbolic-ref HEAD" });
  } catch (error) {
    if (error instanceof GitError && error.kind === "cancelled") throw cancelled(error);
    throw new StageError("failed", `cannot point ${CANDIDATE_REF} at ${commit}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Runs `use(ref)` with the candidate branch `ref` pointing at `commit`, after any earlier
 * evaluation of the same repository has ended; the branch does not move before `use` settles.
 */
export async function withCandidate<T>(
  args: { gitDir: string; commit: string; signal?: AbortSignal },
  use: (ref: string) => Promise<T>,
): Promise<T> {
  const key = path.resolve(args.gitDir);
  const previous = queues.get(key) ?? Promise.resolve();
  let release = () => {};
  const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
  queues.set(key, mine);
  try {
    await waitForTurn(previous, args.signal);
    await pointCandidate(args.gitDir, args.commit, args.signal);
    return await use(CANDIDATE_REF);
  } finally {
    // Not before `previous` has ended: a caller cancelled while waiting must not let the next one
    // overtake the evaluation that is still running.
    void previous.then(() => release());
    void mine.then(() => {
      if (queues.get(key) === mine) queues.delete(key);
    });
  }
}
