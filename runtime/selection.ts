/**
 * Commit selection (behaviour.md §3), with the signature gate as part of acceptance (§3 [better],
 * §4). `selectCandidate` is a pure function of facts; `gatherAndSelect` gathers those facts from
 * the repository (heads, ancestry, signatures) and calls it. Besides types, it imports only the
 * parsing of commit objects.
 */
import type { RemoteConfig } from "../dsl/schema.js";
import { commitMessageOf, commitParentsOf } from "./git/commit-object.js";
import type { GitRepository } from "./git/repository.js";
import type { SignatureVerdict, SignatureVerifier } from "./git/signatures.js";
import type { BranchStatus, Candidate } from "./types.js";

export type BranchStatuses = Record<string, { main: BranchStatus; testing: BranchStatus }>;

export interface SelectionRemoteInput {
  name: string;
  /** Its last fetch succeeded (false: skipped, its statuses kept). */
  fetchOk: boolean;
  main: { name: string; head: string | null; allowForcePush: boolean };
  /** name null: the testing branch is disabled. */
  testing: { name: string | null; head: string | null };
}

export interface SelectionInput {
  /** In configured order: the order is the priority. */
  remotes: SelectionRemoteInput[];
  baseline: string | null;
  /** Kept when nothing valid is found. */
  previous: Candidate | null;
  previousBranches: BranchStatuses;
  /** isOnTop(x, b): x == b or b is an ancestor of x. */
  isOnTop(commit: string, base: string): boolean;
  /** For a main head that is an ancestor of the baseline: how many commits it is behind; else null. */
  behind?(commit: string, base: string): number | null;
  /** null when no trust is configured; else the verdict of every head. */
  signatures: Record<string, SignatureVerdict> | null;
}

export interface SelectionResult {
  candidate: Candidate | null;
  baseline: string | null;
  /** Per remote name. */
  branches: BranchStatuses;
}

export const branchMissing = (remote: string, branch: string) => `branch ${remote}/${branch} does not exist`;
export const mainWasReset = (head: string, baseline: string) => `main was reset: ${head} is not on top of ${baseline}`;
/** A head that is an ancestor of the baseline was not reset: the remote has not caught up (yet). */
export const mainIsBehind = (head: string, baseline: string, commits: number) =>
  `main is behind the baseline (${commits} commit${commits === 1 ? "" : "s"}): ${head} is an ancestor of ${baseline}`;
export const testingNotOnTop = (baseline: string) => `testing is not on top of main (${baseline})`;
export const notSigned = (commit: string) => `commit ${commit} is not signed by a trusted key`;

export function selectCandidate(input: SelectionInput): SelectionResult {
  const branches: BranchStatuses = {};
  for (const remote of input.remotes) {
    // A branch not examined this round keeps what its latest examination said.
    const previous = input.previousBranches[remote.name];
    branches[remote.name] = {
      main: previous?.main ?? { name: remote.main.name, commit: null, error: null },
      testing: previous?.testing ?? { name: remote.testing.name, commit: null, error: null },
    };
  }
  const setStatus = (remote: SelectionRemoteInput, branch: "main" | "testing", commit: string | null, error: string | null) => {
    const entry = branches[remote.name];
    if (entry) entry[branch] = { name: remote[branch].name, commit, error };
  };
  const verdictOf = (commit: string): SignatureVerdict | null =>
    input.signatures === null ? null : (input.signatures[commit] ?? { ok: false, signedBy: null, reason: "not verified" });
  const pick = (remote: SelectionRemoteInput, commit: string, isTesting: boolean): Candidate => {
    const verdict = verdictOf(commit);
    return {
      commit,
      remote: remote.name,
      branch: (isTesting ? remote.testing.name : remote.main.name) ?? "",
      isTesting,
      signed: verdict === null ? null : verdict.ok,
      signedBy: verdict?.signedBy ?? null,
    };
  };

  let baseline = input.baseline;
  let candidate: Candidate | null = null;
  let firstEqualToBaseline: Candidate | null = null;

  // Pass 1: main branches, in remote order.
  for (const remote of input.remotes) {
    if (!remote.fetchOk) continue;
    const head = remote.main.head;
    if (head === null) {
      setStatus(remote, "main", null, branchMissing(remote.name, remote.main.name));
      continue;
    }
    const onTop = baseline === null || input.isOnTop(head, baseline);
    if (!onTop && !remote.main.allowForcePush) {
      const behind = baseline === null ? null : (input.behind?.(head, baseline) ?? null);
      setStatus(remote, "main", head, behind === null ? mainWasReset(head, baseline ?? "") : mainIsBehind(head, baseline ?? "", behind));
      continue;
    }
    // Refused like a reset: an untrusted head never becomes the candidate nor the baseline.
    if (verdictOf(head)?.ok === false) {
      setStatus(remote, "main", head, notSigned(head));
      continue;
    }
    setStatus(remote, "main", head, null);
    // First run, strictly ahead, or an allowed force-push: it wins and becomes the baseline.
    if (baseline === null || head !== baseline) {
      candidate = pick(remote, head, false);
      baseline = head;
      break;
    }
    firstEqualToBaseline ??= pick(remote, head, false);
  }
  candidate ??= firstEqualToBaseline;

  // Pass 2: testing branches, against the (possibly new) baseline.
  for (const remote of input.remotes) {
    if (!remote.fetchOk) continue;
    if (remote.testing.name === null) {
      setStatus(remote, "testing", null, null);
      continue;
    }
    const head = remote.testing.head;
    if (head === null) {
      setStatus(remote, "testing", null, null);
      continue;
    }
    if (baseline !== null && !input.isOnTop(head, baseline)) {
      setStatus(remote, "testing", head, testingNotOnTop(baseline));
      continue;
    }
    // Same commit as main: main wins (main's operation), whatever its signature says to testing.
    if (head === baseline || head === candidate?.commit) {
      setStatus(remote, "testing", head, null);
      continue;
    }
    if (verdictOf(head)?.ok === false) {
      setStatus(remote, "testing", head, notSigned(head));
      continue;
    }
    setStatus(remote, "testing", head, null);
    candidate = pick(remote, head, true);
    break;
  }

  return { candidate: candidate ?? input.previous, baseline, branches };
}

/** First 4 KiB of a commit message (Candidate.message), cut on a character boundary. */
export function truncateMessage(message: string, maxBytes = 4096): string {
  const bytes = Buffer.from(message, "utf8");
  if (bytes.length <= maxBytes) return message;
  return bytes.subarray(0, maxBytes).toString("utf8").replace(/\uFFFD+$/, "");
}

export interface GatherArgs {
  repo: GitRepository;
  remotes: readonly RemoteConfig[];
  /** Whether each remote's last fetch succeeded (this round or an earlier one); missing = false. */
  fetchOk: Record<string, boolean>;
  baseline: string | null;
  previous: Candidate | null;
  previousBranches: SelectionResult["branches"];
  /** null (or disabled): no signature gate. */
  verifier: SignatureVerifier | null;
}

/**
 * The I/O around selectCandidate: reads the heads of the remotes whose fetch succeeded,
 * precomputes ancestry between every head and every possible baseline (the baseline and the main
 * heads: a handful of commits), verifies the signatures of the heads (the verifier caches verdicts
 * by sha), selects, and adds the commit message to a new candidate.
 */
export async function gatherAndSelect(args: GatherArgs): Promise<SelectionResult> {
  const { repo } = args;
  const refs = await repo.remoteHeads();
  const head = (remote: string, branch: string) => refs.get(`refs/remotes/${remote}/${branch}`) ?? null;
  const remotes: SelectionRemoteInput[] = args.remotes.map((remote) => {
    const fetchOk = args.fetchOk[remote.name] ?? false;
    const { main, testing } = remote.branches;
    return {
      name: remote.name,
      fetchOk,
      main: { name: main.name, head: fetchOk ? head(remote.name, main.name) : null, allowForcePush: main.allowForcePush },
      testing: { name: testing.name, head: fetchOk && testing.name !== null ? head(remote.name, testing.name) : null },
    };
  });

  const mainHeads = remotes.flatMap((remote) => (remote.main.head === null ? [] : [remote.main.head]));
  const heads = [...new Set([...mainHeads, ...remotes.flatMap((remote) => (remote.testing.head === null ? [] : [remote.testing.head]))])];
  // New heads are read (message, parents) while signatures are checked: one of them is probably
  // the next candidate. Everything here is independent, so it runs concurrently. The signature
  // gate reads each commit object anyway: selection takes its copy rather than reading it again.
  const verifier = args.verifier?.enabled ? args.verifier : null;
  const raws = new Map<string, Promise<string | null>>();
  const verifications: Promise<readonly [string, SignatureVerdict]>[] = [];
  for (const commit of heads) {
    const wanted = commit !== args.previous?.commit;
    if (verifier === null) {
      if (wanted) raws.set(commit, repo.rawCommit(commit).catch(() => null));
      continue;
    }
    let giveRaw: (raw: string | null) => void = () => {};
    const gateRaw = new Promise<string | null>((resolve) => (giveRaw = resolve));
    const verdict = verifier.verify(repo.dir, commit, (raw) => giveRaw(raw));
    verifications.push(verdict.then((value) => [commit, value] as const));
    // Without the gate's copy (a cached verdict, an unreadable object), selection reads it itself.
    void verdict.then(() => giveRaw(null), () => giveRaw(null));
    if (!wanted) continue;
    raws.set(
      commit,
      gateRaw.then((raw) => {
        if (raw === null) return repo.rawCommit(commit).catch(() => null);
        repo.rememberCommit(commit);
        return raw;
      }),
    );
  }
  const messages = new Map([...raws].map(([commit, raw]) => [commit, raw.then((text) => (text === null ? "" : commitMessageOf(text)))]));
  const onTop = new Map<string, boolean>();
  // A push of commits on top of the baseline makes it the head's parent: the commit object says
  // so, and no `merge-base` is needed.
  const isParent = async (base: string, head: string) => {
    const raw = await raws.get(head);
    return raw != null && commitParentsOf(raw).includes(base);
  };
  const ancestry = (async () => {
    // A baseline that is not in the repository (state from another repository) is the ancestor of nothing.
    const baselineKnown = args.baseline !== null && (await repo.commitExists(args.baseline));
    const bases = [...new Set([...(baselineKnown && args.baseline !== null ? [args.baseline] : []), ...mainHeads])];
    await Promise.all(
      heads.flatMap((head) =>
        bases.map(async (base) => {
          onTop.set(`${head} ${base}`, head === base || (await isParent(base, head)) || (await repo.isAncestor(base, head)));
        }),
      ),
    );
  })();
  // A main head that is not on top of the baseline: behind (an ancestor) or reset (anything else).
  const behind = new Map<string, number>();
  const behindness = ancestry.then(async () => {
    const baseline = args.baseline;
    if (baseline === null) return;
    await Promise.all(
      mainHeads
        .filter((head) => head !== baseline && onTop.get(`${head} ${baseline}`) === false)
        .map(async (head) => {
          if (await repo.isAncestor(head, baseline)) behind.set(head, await repo.commitsBehind(head, baseline));
        }),
    );
  });
  const verdicts = verifier === null ? null : Promise.all(verifications);
  const [, verified] = await Promise.all([behindness, verdicts]);
  const signatures: Record<string, SignatureVerdict> | null = verified ? Object.fromEntries(verified) : null;

  const result = selectCandidate({
    remotes,
    baseline: args.baseline,
    previous: args.previous,
    previousBranches: args.previousBranches,
    isOnTop: (commit, base) => commit === base || (onTop.get(`${commit} ${base}`) ?? false),
    behind: (commit, base) => (base === args.baseline ? (behind.get(commit) ?? null) : null),
    signatures,
  });

  const candidate = result.candidate;
  if (candidate !== null && candidate.message === undefined) {
    const known = args.previous?.commit === candidate.commit ? args.previous.message : undefined;
    result.candidate = { ...candidate, message: known ?? truncateMessage(await (messages.get(candidate.commit) ?? repo.commitMessage(candidate.commit))) };
  }
  return result;
}
