/**
 * Figure 5b: a fleet repository of 20,000 commits and 5,000 files (made with git fast-import).
 * The agent's first fetch (a fresh state directory each run) and incremental fetches (one new
 * commit) are timed by the agent itself (its fetch events). Its main branch is set to a name the
 * repository does not have, so that nothing is evaluated: only git is measured. Selection against
 * a baseline (heads, ancestry, message) is then timed in-process with the runtime's own
 * `gatherAndSelect` on the agent's repository, the baseline being the previous head (the usual
 * case) and, for comparison, the root commit 20,000 commits back.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { parseRuntimeConfig } from "../../dsl/resolve.js";
import type { RemoteConfig } from "../../dsl/schema.js";
import { GitRepository } from "../../runtime/git/repository.js";
import { silentLogger } from "../../runtime/log.js";
import { gatherAndSelect } from "../../runtime/selection.js";
import { createMachine, Daemon, git, localRemote, tempDir } from "../../test/helpers/daemon.js";
import { fastImport, fastImportStream, nextCommitStream } from "../big-repo.js";
import { fetchRecords, parseLog } from "../log-lines.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";

const COMMITS = 20_000;
const FILES = 5_000;
const RUNS = 5;

/** The remote as the runtime resolves it (defaults applied), following `main`. */
function resolvedRemote(url: string): RemoteConfig {
  const parsed = parseRuntimeConfig({ schemaVersion: 1, hostname: "big", remotes: [{ name: "origin", url }] });
  const remote = parsed.ok ? parsed.value.remotes[0] : undefined;
  if (!remote) throw new Error(`cannot resolve a remote for ${url}`);
  return remote;
}

async function lastFetchMs(daemon: Daemon, from: number): Promise<number> {
  const fetch = fetchRecords(parseLog(daemon.lines.slice(from))).at(-1);
  if (!fetch) throw new Error("the daemon reported no fetch");
  if (!fetch.ok) throw new Error("the fetch of the big repository failed");
  return fetch.durationMs;
}

export const bigRepo: Scenario = {
  name: "big-repo",
  title: `a repository of ${COMMITS} commits and ${FILES} files: first and incremental fetch, selection`,
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-big-");
    const server = path.join(dir, "big.git");
    await git(dir, ["init", "-q", "--bare", "-b", "main", server]);
    const generating = performance.now();
    await fastImport(server, fastImportStream({ commits: COMMITS, files: FILES }));
    const generateMs = performance.now() - generating;
    progress(`generated in ${(generateMs / 1000).toFixed(1)} s`);

    // A branch name the repository lacks: selection finds no candidate, nothing is evaluated.
    const machine = await createMachine(dir, "big", { remotes: [localRemote("origin", server, { poll: { interval: 0 }, timeout: 300, branches: { main: { name: "not-deployed" } } })] });
    const firstFetch: number[] = [];
    let daemon: Daemon | null = null;
    for (let run = 1; run <= RUNS; run++) {
      await daemon?.stop();
      await rm(machine.stateDir, { recursive: true, force: true });
      daemon = await Daemon.start(cleanup, machine);
      await daemon.waitFor((status) => status.remotes[0]?.lastFetch !== null && status.remotes[0]?.lastFetch !== undefined, 300_000, "the first fetch");
      firstFetch.push(await lastFetchMs(daemon, 0));
      progress(`first fetch ${run}/${RUNS}: ${Math.round(firstFetch.at(-1) ?? 0)} ms`);
    }
    if (!daemon) throw new Error("no daemon ran");

    const incremental: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      await fastImport(server, nextCommitStream(COMMITS + run, FILES));
      const from = daemon.lines.length;
      const reply = await daemon.call<{ outcomes: { ok: boolean }[] }>("POST", "/v1/fetch", { wait: true });
      if (reply.status !== 200) throw new Error(`the incremental fetch was refused: HTTP ${reply.status}`);
      incremental.push(await lastFetchMs(daemon, from));
    }
    progress(`incremental fetches: ${incremental.map(Math.round).join(", ")} ms`);
    await daemon.stop();

    const repo = await GitRepository.open(path.join(machine.stateDir, "repository"), silentLogger);
    const remote = resolvedRemote(server);
    const head = await git(server, ["rev-parse", "main"]);
    const previous = await git(server, ["rev-parse", "main~1"]);
    const root = await git(server, ["rev-list", "--max-parents=0", "main"]);
    const select = async (baseline: string) => {
      const started = performance.now();
      const result = await gatherAndSelect({ repo, remotes: [remote], fetchOk: { origin: true }, baseline, previous: null, previousBranches: {}, verifier: null });
      const elapsed = performance.now() - started;
      if (result.candidate?.commit !== head) throw new Error(`selection picked ${result.candidate?.commit ?? "nothing"}, expected ${head}`);
      return elapsed;
    };
    const selection: number[] = [];
    const selectionFromRoot: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      selection.push(await select(previous));
      selectionFromRoot.push(await select(root));
    }
    return {
      figures: { bigRepoFirstFetchMs: summarise(firstFetch), bigRepoIncrementalFetchMs: summarise(incremental), bigRepoSelectionMs: summarise(selection) },
      details: {
        commits: COMMITS,
        files: FILES,
        generateMs: Math.round(generateMs),
        selectionFromRootBaselineMs: summarise(selectionFromRoot),
      },
    };
  },
};
