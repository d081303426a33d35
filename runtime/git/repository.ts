/**
 * The agent's bare repository (`<stateDir>/repository`): remotes that follow the configuration,
 * fetches with credentials and a hard timeout, and the few questions selection asks about
 * commits. Every git call goes through `runGit` (no shell, hooks disabled).
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { RemoteConfig } from "../../dsl/schema.js";
import type { Logger } from "../log.js";
import { remoteAuthEnvironment, writeAskpassScript } from "./auth.js";
import { commitMessageOf } from "./commit-object.js";
import { GitError, runGit, type GitResult, type GitRunOptions } from "./run.js";
import { readLooseObject } from "./loose-object.js";
import { OBJECT_ID } from "./object-id.js";
import { notesRefspec } from "../prebuilt/manifest.js";

export { GitError, type GitErrorKind } from "./run.js";


/**
 * Global config for fetches only: a local-path remote owned by another user is otherwise refused
 * as "dubious ownership", and git 2.39 honours safe.directory only from global or system config.
 * Fetching runs no code of the other repository (upload-pack reads no hook from it).
 */
const FETCH_GLOBAL_CONFIG = "[safe]\n\tdirectory = *\n";

/** Lock files git leaves behind when it is killed (SIGKILL at a timeout, or a crash of the agent). */
const TOP_LEVEL_LOCKS = ["packed-refs.lock", "config.lock", "shallow.lock", "HEAD.lock", "index.lock", "objects/maintenance.lock"];
const MAX_CACHED_ANCESTRY = 10_000;
const NO_AUTO_MAINTENANCE: Readonly<Record<string, string>> = { "maintenance.auto": "false" };
/** `git maintenance run --auto` packs loose objects and refs when git's thresholds say so. */
const MAINTENANCE_TIMEOUT_MS = 30 * 60_000;
/** Rounds in a row that brought changes after which maintenance runs anyway (a busy repository). */
const MAINTENANCE_AFTER_BUSY_ROUNDS = 10;
/** Loose commit objects up to this size are read without git (loose-object.ts). */
const MAX_LOOSE_COMMIT_BYTES = 1024 * 1024;

async function lockFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith(".lock")).map((entry) => join(entry.parentPath, entry.name));
}

export class GitRepository {
  /** URLs of the remotes as configured in the repository, so a fetch needs no `git config`. */
  private readonly remoteUrls = new Map<string, string>();
  /** Ancestry and existence of commits never change: answers are cached by sha. */
  private readonly ancestry = new Map<string, boolean>();
  private readonly knownCommits = new Set<string>();
  /** The remote-tracking refs as last read, and as they were at the last maintenance. */
  private refsSnapshot: string | null = null;
  private maintainedSnapshot: string | null = null;
  /** The refs as read in the previous round, and how many rounds in a row brought changes. */
  private lastRoundSnapshot: string | null = null;
  private busyRounds = 0;

  private constructor(
    readonly dir: string,
    private readonly log: Logger,
    private readonly askpassPath: string,
    private readonly fetchGlobalConfig: string,
    /** The notes ref of prebuilt manifests (§15), fetched from every remote too; null: not fetched. */
    private readonly notesRef: string | null,
  ) {}

  /**
   * Removes lock files a killed git left behind (under `scope`, or everywhere): otherwise every
   * later fetch fails with "cannot lock ref". Safe when no git of ours runs there: at start-up, and
   * for one remote's refs after its own fetch was killed.
   */
  private async removeStaleLocks(scope?: string): Promise<void> {
    const locks = scope
      ? await lockFilesUnder(join(this.dir, "refs/remotes", scope))
      : [...(await lockFilesUnder(join(this.dir, "refs"))), ...TOP_LEVEL_LOCKS.map((name) => join(this.dir, name))];
    for (const lock of locks) {
      try {
        await rm(lock);
        this.log.warn("removed a stale git lock left by a killed git", { lock: relative(this.dir, lock) });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  }

  /**
   * Opens or creates the bare repository `dir`, with core.hooksPath=/dev/null, and never runs
   * hooks or a shell with repository data.
   */
  static async open(dir: string, log: Logger, options: { notesRef?: string | null } = {}): Promise<GitRepository> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Idempotent on an existing repository; no template, so not even sample hooks are copied.
    await runGit(["init", "--bare", "--quiet", "--template=", "."], { cwd: dir, gitDir: dir, what: "git init" });
    await runGit(["config", "core.hooksPath", "/dev/null"], { cwd: dir, gitDir: dir, what: "git config" });
    const askpassPath = await writeAskpassScript(dir);
    const fetchGlobalConfig = join(dir, "comin-fetch.gitconfig");
    await writeFile(fetchGlobalConfig, FETCH_GLOBAL_CONFIG, { mode: 0o600 });
    const repository = new GitRepository(dir, log, askpassPath, fetchGlobalConfig, options.notesRef ?? null);
    await repository.removeStaleLocks();
    return repository;
  }

  private git(args: readonly string[], options: Partial<GitRunOptions> = {}): Promise<GitResult> {
    return runGit(args, { cwd: this.dir, gitDir: this.dir, ...options });
  }

  /** Makes the repository's remotes follow the config: add missing, update changed URLs, remove others. */
  async syncRemotes(remotes: readonly RemoteConfig[]): Promise<void> {
    const existing = await this.remoteNames();
    const wanted = new Set(remotes.map((remote) => remote.name));
    for (const name of existing) {
      if (!wanted.has(name)) await this.removeRemote(name);
    }
    for (const remote of remotes) await this.ensureRemote(remote, existing);
  }

  /**
   * Not `git remote remove`: git 2.39 deletes the remote's refs there without reading
   * core.hooksPath, so the repository's own reference-transaction hook would run.
   */
  private async removeRemote(name: string): Promise<void> {
    // Its branches and its copy of the notes ref (§15) go with it.
    const { stdout } = await this.git(["for-each-ref", "--format=%(refname)", "--", `refs/remotes/${name}/`, `refs/notes/remotes/${name}/`]);
    const refs = stdout.split("\n").filter((ref) => ref !== "");
    if (refs.length > 0) await this.git(["update-ref", "--stdin"], { input: refs.map((ref) => `delete ${ref}\n`).join("") });
    await this.git(["config", "--remove-section", `remote.${name}`]);
    this.log.info("git remote removed", { remote: name });
  }

  private async remoteNames(): Promise<string[]> {
    const { stdout } = await this.git(["remote"]);
    return stdout.split("\n").filter((name) => name !== "");
  }

  private async ensureRemote(remote: RemoteConfig, existing?: readonly string[]): Promise<void> {
    if (this.remoteUrls.get(remote.name) === remote.url) return;
    const { stdout, exitCode } = await this.git(["config", "--get", `remote.${remote.name}.url`], { okExitCodes: [0, 1] });
    if (exitCode === 0 && stdout === remote.url) {
      this.remoteUrls.set(remote.name, remote.url);
      return;
    }
    const names = existing ?? (await this.remoteNames());
    if (!names.includes(remote.name)) {
      await this.git(["remote", "add", "--no-tags", "--", remote.name, remote.url]);
      this.log.info("git remote added", { remote: remote.name });
    } else {
      await this.git(["remote", "set-url", "--", remote.name, remote.url]);
      this.log.info("git remote URL changed", { remote: remote.name });
    }
    this.remoteUrls.set(remote.name, remote.url);
  }

  /**
   * `git fetch --prune` of `+refs/heads/*:refs/remotes/<name>/*` (force: a force-push updates the
   * tracking ref, and selection decides what to do with it), killed with its process group after
   * `remote.timeout` seconds or when `signal` aborts.
   */
  async fetch(remote: RemoteConfig, signal?: AbortSignal): Promise<void> {
    await this.ensureRemote(remote);
    const auth = await remoteAuthEnvironment(remote, this.askpassPath);
    const started = Date.now();
    this.log.debug("git fetch started", { remote: remote.name });
    try {
      await this.git(
      [
        "fetch",
        "--quiet",
        "--prune",
        "--no-tags",
        "--no-write-fetch-head",
        "--no-recurse-submodules",
        "--",
        remote.name,
        `+refs/heads/*:refs/remotes/${remote.name}/*`,
        ...(this.notesRef ? [notesRefspec(remote.name, this.notesRef)] : []),
      ],
      {
        // No `git maintenance run --auto` after every fetch (one more process per remote and
        // poll, even when nothing arrived): maintainAfterChanges() runs it once a round brought refs.
        config: NO_AUTO_MAINTENANCE,
        env: auth.env,
        secrets: auth.secrets,
        globalConfigFile: this.fetchGlobalConfig,
        timeoutMs: remote.timeout * 1000,
        ...(signal ? { signal } : {}),
        what: `git fetch ${remote.name}`,
      },
    );
    } catch (error) {
      // A fetch killed at its timeout (or cancelled) may leave ref locks that block the next one.
      if (error instanceof GitError && error.kind !== "failed") await this.removeStaleLocks(remote.name);
      throw error;
    }
    this.log.debug("git fetch finished", { remote: remote.name, durationMs: Date.now() - started });
  }

  /**
   * `git maintenance run --auto` (what `git fetch` would run after each fetch, and `git gc --auto`
   * under it), when the remote-tracking refs changed since the last time: only fetches that bring
   * something can bring loose objects. It waits for the changes to settle: it runs in the first
   * round that brings nothing new after some did (a round that brings a commit goes on to deploy
   * it, and a process started then only delays that), or after MAINTENANCE_AFTER_BUSY_ROUNDS
   * rounds in a row that all brought something. Failures are logged, never thrown.
   */
  async maintainAfterChanges(signal?: AbortSignal): Promise<void> {
    const settled = this.refsSnapshot === this.lastRoundSnapshot;
    this.lastRoundSnapshot = this.refsSnapshot;
    if (this.refsSnapshot === this.maintainedSnapshot) return;
    if (!settled) this.busyRounds += 1;
    if (!settled && this.busyRounds < MAINTENANCE_AFTER_BUSY_ROUNDS) return;
    this.maintainedSnapshot = this.refsSnapshot;
    this.busyRounds = 0;
    try {
      // gc in the foreground: inside the runner's process group, so a timeout or stop() ends it.
      await this.git(["maintenance", "run", "--auto", "--quiet"], { config: { "gc.autoDetach": "false" }, timeoutMs: MAINTENANCE_TIMEOUT_MS, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (!(error instanceof GitError && error.kind === "cancelled")) this.log.warn("git maintenance failed", { error: (error as Error).message });
    }
  }

  /** Every remote-tracking ref (`refs/remotes/<remote>/<branch>` → sha), in one git call. */
  async remoteHeads(): Promise<Map<string, string>> {
    const { stdout } = await this.git(["for-each-ref", "--format=%(objectname) %(*objectname) %(refname)", "--", "refs/remotes/"]);
    this.refsSnapshot = stdout;
    const heads = new Map<string, string>();
    for (const line of stdout.split("\n")) {
      const [object, peeled, ...name] = line.split(" ");
      if (object && name.length) heads.set(name.join(" "), peeled || object);
    }
    return heads;
  }

  /** `git merge-base --is-ancestor`: exit 1 is a plain "no". */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    assertObjectId(ancestor);
    assertObjectId(descendant);
    const key = `${ancestor} ${descendant}`;
    const cached = this.ancestry.get(key);
    if (cached !== undefined) return cached;
    const { exitCode } = await this.git(["merge-base", "--is-ancestor", ancestor, descendant], { okExitCodes: [0, 1] });
    if (this.ancestry.size >= MAX_CACHED_ANCESTRY) this.ancestry.clear();
    this.ancestry.set(key, exitCode === 0);
    return exitCode === 0;
  }

  /** How many commits `base` has that `head` has not (`git rev-list --count head..base`). */
  async commitsBehind(head: string, base: string): Promise<number> {
    assertObjectId(head);
    assertObjectId(base);
    const { stdout } = await this.git(["rev-list", "--count", `${head}..${base}`]);
    return Number.parseInt(stdout.trim(), 10);
  }

  async commitExists(sha: string): Promise<boolean> {
    if (!OBJECT_ID.test(sha)) return false;
    if (this.knownCommits.has(sha)) return true;
    const { exitCode } = await this.git(["cat-file", "-e", `${sha}^{commit}`], { okExitCodes: [0, 1, 128] });
    if (exitCode === 0) this.knownCommits.add(sha);
    return exitCode === 0;
  }

  /** Records that `sha` is a commit of this repository (read by someone else, e.g. the signature gate). */
  rememberCommit(sha: string): void {
    if (OBJECT_ID.test(sha)) this.knownCommits.add(sha);
  }

  /** The full message, verbatim (it may contain anything: it is data, never code). */
  async commitMessage(sha: string): Promise<string> {
    return commitMessageOf(await this.rawCommit(sha));
  }

  /** The commit object as git stores it (headers, signature, message). */
  async rawCommit(sha: string): Promise<string> {
    assertObjectId(sha);
    // A fetch of a few commits leaves them loose: read without a git process when it is one.
    const loose = await readLooseObject(this.dir, sha, MAX_LOOSE_COMMIT_BYTES);
    if (loose?.type === "commit") {
      this.knownCommits.add(sha);
      return loose.content.toString("utf8");
    }
    const { stdout } = await this.git(["cat-file", "commit", sha], { keepFinalNewline: true });
    // A commit read once exists for good: when it becomes the baseline, commitExists needs no git.
    this.knownCommits.add(sha);
    return stdout;
  }
}

function assertObjectId(value: string): void {
  if (!OBJECT_ID.test(value)) {
    throw new GitError("failed", `invalid commit id ${JSON.stringify(value)}: expected 40 or 64 lowercase hexadecimal characters`, null);
  }
}
