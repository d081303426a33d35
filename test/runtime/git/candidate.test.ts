/**
 * The candidate branch (runtime/git/candidate.ts) in a repository as the agent's fetches leave it:
 * remote-tracking refs only, whose alphabetically first branch does not hold the candidate (what
 * current Nix takes for HEAD when HEAD names no branch).
 */
import path from "node:path";
import test from "ava";
import { Remote } from "../../../dsl/schema.js";
import { StageError } from "../../../runtime/errors.js";
import { CANDIDATE_REF, pointCandidate, withCandidate } from "../../../runtime/git/candidate.js";
import { GitRepository } from "../../../runtime/git/repository.js";
import { silentLogger } from "../../../runtime/log.js";
import { git, remoteHead, tempDir, UpstreamRepo, type Teardown } from "../../helpers/git.js";

/**
 * The agent's repository after a fetch of two unrelated branches: `candidateBranch` holds
 * `candidate`, `otherBranch` an unrelated history.
 */
async function fetchedRepository(t: Teardown, candidateBranch: string, otherBranch: string) {
  const dir = await tempDir(t);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  const other = await upstream.commit(otherBranch, { parent: null, files: { "flake.nix": "{ outputs = _: { }; }" } });
  const candidate = await upstream.commit(candidateBranch, { parent: null, files: { "hosts.nix": "{ }" } });
  const remote = Remote.parse({ name: "origin", url: upstream.url });
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  await repo.fetch(remote);
  return { upstream, repo, remote, candidate, other };
}

const head = (dir: string) => git(dir, ["rev-parse", "HEAD"]).then((out) => out.trim());
const candidateRef = (dir: string) => git(dir, ["rev-parse", CANDIDATE_REF]).then((out) => out.trim());

for (const [candidateBranch, otherBranch] of [
  ["zzz", "aaa"],
  ["aaa", "zzz"],
] as const) {
  test(`HEAD names a real branch at the candidate, listed first (candidate on ${candidateBranch}, other history on ${otherBranch})`, async (t) => {
    const { repo, candidate } = await fetchedRepository(t, candidateBranch, otherBranch);
    const before = (await git(repo.dir, ["ls-remote", "--symref", repo.dir])).split("\n")[0];

    await pointCandidate(repo.dir, candidate);

    const listing = (await git(repo.dir, ["ls-remote", "--symref", repo.dir])).split("\n");
    t.regex(before ?? "", /\trefs\/remotes\/origin\/aaa$/, "ground truth: without a branch, a remote-tracking ref is listed first");
    t.is((await git(repo.dir, ["symbolic-ref", "HEAD"])).trim(), CANDIDATE_REF);
    t.is(await head(repo.dir), candidate);
    t.deepEqual(listing.slice(0, 2), [`ref: ${CANDIDATE_REF}\tHEAD`, `${candidate}\tHEAD`], "what a fetcher takes for the default branch");
    await t.notThrowsAsync(git(repo.dir, ["merge-base", "--is-ancestor", candidate, "HEAD"]));
  });
}

test("the commit being evaluated survives git gc --prune=now after its remote branch is gone", async (t) => {
  const { upstream, repo, remote, candidate } = await fetchedRepository(t, "zzz", "aaa");

  const exists = await withCandidate({ gitDir: repo.dir, commit: candidate }, async () => {
    await upstream.deleteBranch("zzz");
    await repo.fetch(remote);
    await git(repo.dir, ["gc", "--quiet", "--prune=now"]);
    return git(repo.dir, ["cat-file", "-t", candidate]);
  });

  t.is(await remoteHead(repo, "origin", "zzz"), null, "ground truth: the fetch pruned the remote branch");
  t.is(exists.trim(), "commit");
  t.is(await candidateRef(repo.dir), candidate, "the branch keeps it until the next evaluation");
});

test("a second evaluation waits for the first: the branch holds still until the first ends", async (t) => {
  const { repo, candidate, other } = await fetchedRepository(t, "zzz", "aaa");
  const reads: string[] = [];
  const read = async (who: string) => reads.push(`${who} reads ${(await candidateRef(repo.dir)) === candidate ? "candidate" : "other"}`);

  const { second } = await withCandidate({ gitDir: repo.dir, commit: candidate }, async () => {
    await read("first");
    const second = withCandidate({ gitDir: repo.dir, commit: other }, () => read("second"));
    // Real git work, long enough for an unqueued second call to move the branch meanwhile.
    await git(repo.dir, ["gc", "--quiet"]);
    await read("first");
    return { second };
  });
  await second;

  t.deepEqual(reads, ["first reads candidate", "first reads candidate", "second reads other"]);
  t.is(await head(repo.dir), other);
});

test("an evaluation cancelled while it waits moves nothing and does not hold up the next one", async (t) => {
  const { repo, candidate, other } = await fetchedRepository(t, "zzz", "aaa");
  const abort = new AbortController();

  const { cancelled } = await withCandidate({ gitDir: repo.dir, commit: candidate }, async () => {
    const cancelled = withCandidate({ gitDir: repo.dir, commit: other, signal: abort.signal }, () => Promise.resolve("ran"));
    abort.abort();
    return { cancelled: await cancelled.catch((error: unknown) => error) };
  });
  const next = await withCandidate({ gitDir: repo.dir, commit: other }, async (ref) => ref);

  t.true(cancelled instanceof StageError && cancelled.kind === "cancelled", String(cancelled));
  t.is(next, CANDIDATE_REF);
  t.is(await head(repo.dir), other);
});

test("a commit the repository does not have is a failed evaluation naming it, and HEAD is left alone", async (t) => {
  const { repo, candidate } = await fetchedRepository(t, "zzz", "aaa");
  await pointCandidate(repo.dir, candidate);
  const missing = "0123456789abcdef0123456789abcdef01234567";

  const error = await t.throwsAsync(pointCandidate(repo.dir, missing), { instanceOf: StageError });
  const invalid = await t.throwsAsync(pointCandidate(repo.dir, "--all"), { instanceOf: StageError });

  t.is(error?.kind, "failed");
  t.regex(error?.message ?? "", new RegExp(`^cannot point ${CANDIDATE_REF} at ${missing}: .*nonexistent object`));
  t.regex(invalid?.message ?? "", /^invalid commit id "--all"/);
  t.is(await head(repo.dir), candidate);
});

test("HEAD moved away from the candidate branch is pointed back at it by the next evaluation", async (t) => {
  const { repo, candidate, other } = await fetchedRepository(t, "zzz", "aaa");
  await pointCandidate(repo.dir, other);
  await git(repo.dir, ["symbolic-ref", "HEAD", "refs/heads/elsewhere"]);

  await pointCandidate(repo.dir, candidate);

  t.is((await git(repo.dir, ["symbolic-ref", "HEAD"])).trim(), CANDIDATE_REF);
  t.is(await head(repo.dir), candidate);
});
