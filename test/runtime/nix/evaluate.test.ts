import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { execa } from "execa";
import type { CominConfig } from "../../../dsl/schema.js";
import { StageError } from "../../../runtime/errors.js";
import { CANDIDATE_REF } from "../../../runtime/git/candidate.js";
import { evaluateGeneration } from "../../../runtime/nix/evaluate.js";
import { nixString, writeTestFlake, writeTestNixExpression, type TestHost } from "../../../scripts/lib/test-system.js";
import { startGitDaemon } from "../../helpers/git.js";
import { createAgentRepo, git, instantiate, tempDir } from "../../helpers/nix.js";

const flake = (subdir = "."): CominConfig["repository"] => ({ type: "flake", subdir, submodules: false, systemAttr: null });

function host(record: string, extra: Partial<TestHost> = {}): TestHost {
  return { record, ...extra };
}

test("a flake is evaluated once, at a commit only reachable from refs/remotes/*", async (t) => {
  const repo = await createAgentRepo(t);
  const record = "/tmp/never-written";
  const first = await repo.commit((dir) => writeTestFlake(dir, { hosts: { web1: host(record, { variant: "a", machineId: "0123456789abcdef0123456789abcdef" }) } }));
  await repo.commit((dir) => writeTestFlake(dir, { hosts: { web1: host(record, { variant: "b" }) } }));
  const expected = await instantiate(await tempDir(t), { hosts: { web1: host(record, { variant: "a", machineId: "0123456789abcdef0123456789abcdef" }) } }, "web1");

  const evaluation = await evaluateGeneration({ repoDir: repo.bare, commit: first, hostname: "web1", repository: flake(), timeoutSec: 60, workDir: await tempDir(t) });

  t.is(evaluation.drvPath, expected.drv);
  t.is(evaluation.outPath, expected.out);
  t.is(evaluation.machineId, "0123456789abcdef0123456789abcdef");
  t.is(evaluation.flakeUrl, `git+file://${repo.bare}?dir=.&ref=${CANDIDATE_REF}&rev=${first}`);
  t.is(await git(repo.bare, ["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"]), `${CANDIDATE_REF} ${first}`, "the only branch, at the commit");
  t.is(await git(repo.bare, ["symbolic-ref", "HEAD"]), CANDIDATE_REF);
});

/** A root commit with an empty tree on refs/remotes/origin/aaa: listed before any other branch. */
async function unrelatedFirstBranch(bare: string): Promise<string> {
  const tree = await git(bare, ["mktree"]);
  const commit = await git(bare, ["commit-tree", "-m", "unrelated history", tree]);
  await git(bare, ["update-ref", "refs/remotes/origin/aaa", commit]);
  return commit;
}

test("a commit that the first listed branch does not contain is evaluated", async (t) => {
  const repo = await createAgentRepo(t);
  const hosts = { web1: host("/tmp/never-written", { variant: "on-main" }) };
  const commit = await repo.commit((dir) => writeTestFlake(dir, { hosts }));
  await unrelatedFirstBranch(repo.bare);
  const expected = await instantiate(await tempDir(t), { hosts }, "web1");

  const evaluation = await evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1", repository: flake(), timeoutSec: 60, workDir: await tempDir(t) });

  t.is(evaluation.outPath, expected.out);
  t.is((await git(repo.bare, ["ls-remote", "--symref", repo.bare])).split("\n")[0], `ref: ${CANDIDATE_REF}\tHEAD`, "the default branch a fetcher sees");
  t.is(await git(repo.bare, ["rev-parse", "HEAD"]), commit);
});

test("two evaluations of one repository at once each evaluate their own commit", async (t) => {
  const repo = await createAgentRepo(t);
  const a = { web1: host("/tmp/never-written", { variant: "concurrent-a" }) };
  const b = { web1: host("/tmp/never-written", { variant: "concurrent-b" }) };
  const commitA = await repo.commit((dir) => writeTestFlake(dir, { hosts: a }));
  // B does not descend from A: the branch moving to B would hide A from Nix 2.8.
  const commitB = await repo.commit(async (dir) => {
    await git(dir, ["checkout", "-q", "--orphan", "other"]);
    await writeTestFlake(dir, { hosts: b });
  });
  const [expectedA, expectedB] = await Promise.all([instantiate(await tempDir(t), { hosts: a }, "web1"), instantiate(await tempDir(t), { hosts: b }, "web1")]);
  const evaluate = async (commit: string) => evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1", repository: flake(), timeoutSec: 60, workDir: await tempDir(t) });

  const [evaluationA, evaluationB] = await Promise.all([evaluate(commitA), evaluate(commitB)]);

  t.false((await git(repo.bare, ["merge-base", "--is-ancestor", commitA, commitB]).then(() => true, () => false)), "ground truth: unrelated");
  t.is(evaluationA.outPath, expectedA.out);
  t.is(evaluationB.outPath, expectedB.out);
});

test("the last evaluated commit survives git gc --prune=now without its remote branch, and evaluates again", async (t) => {
  const repo = await createAgentRepo(t);
  const hosts = { web1: host("/tmp/never-written", { variant: "kept" }) };
  const commit = await repo.commit((dir) => writeTestFlake(dir, { hosts }));
  const expected = await instantiate(await tempDir(t), { hosts }, "web1");
  const evaluate = async () => evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1", repository: flake(), timeoutSec: 60, workDir: await tempDir(t) });
  await evaluate();

  await git(repo.bare, ["update-ref", "-d", repo.ref]);
  await git(repo.bare, ["gc", "--quiet", "--prune=now"]);
  const again = await evaluate();

  t.is(await git(repo.bare, ["for-each-ref", "refs/remotes"]), "", "ground truth: no remote branch holds the commit");
  t.is(again.outPath, expected.out);
});

test("a host name with dots is quoted, and a missing machineId is null", async (t) => {
  const repo = await createAgentRepo(t);
  const hosts = { "web1.example.org": host("/tmp/never-written", { variant: "dotted" }), web1: host("/tmp/never-written", { variant: "plain" }) };
  const commit = await repo.commit((dir) => writeTestFlake(dir, { hosts }));
  const expected = await instantiate(await tempDir(t), { hosts }, "web1.example.org");

  const evaluation = await evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1.example.org", repository: flake(), timeoutSec: 60, workDir: await tempDir(t) });

  t.is(evaluation.outPath, expected.out);
  t.is(evaluation.machineId, null);
});

test("a state directory whose path needs escaping in a URL still works", async (t) => {
  const repo = await createAgentRepo(t, "comin state dir #1 ");
  const hosts = { web1: host("/tmp/never-written", { variant: "escaped" }) };
  const commit = await repo.commit((dir) => writeTestFlake(dir, { hosts }));
  const expected = await instantiate(await tempDir(t), { hosts }, "web1");

  const evaluation = await evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1", repository: flake(), timeoutSec: 60, workDir: await tempDir(t) });

  t.is(evaluation.outPath, expected.out);
  t.regex(evaluation.flakeUrl ?? "", /comin%20state%20dir%20%231%20/);
});

test("a flake in a subdirectory is evaluated from there", async (t) => {
  const repo = await createAgentRepo(t);
  const hosts = { web1: host("/tmp/never-written", { variant: "in-subdir" }) };
  const commit = await repo.commit(async (dir) => {
    await writeTestFlake(path.join(dir, "fleet/prod"), { hosts });
    await writeTestFlake(dir, { hosts: { web1: host("/tmp/never-written", { variant: "at-root" }) } });
  });
  const expected = await instantiate(await tempDir(t), { hosts }, "web1");

  const evaluation = await evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1", repository: flake("fleet/prod"), timeoutSec: 60, workDir: await tempDir(t) });

  t.is(evaluation.outPath, expected.out);
  t.regex(evaluation.flakeUrl ?? "", /\?dir=fleet\/prod&/);
});

test("an evaluation error surfaces nix's message", async (t) => {
  const repo = await createAgentRepo(t);
  const commit = await repo.commit((dir) => writeTestFlake(dir, { hosts: { web1: host("/tmp/never-written", { evalError: "the disk layout is invalid" }) } }));

  const error = await t.throwsAsync(
    evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1", repository: flake(), timeoutSec: 60, workDir: await tempDir(t) }),
    { instanceOf: StageError },
  );

  t.is(error?.kind, "failed");
  t.regex(error?.message ?? "", /^evaluation failed \(exit code 1\): (.|\n)*error: the disk layout is invalid/);
});

test("an unknown host is a failed evaluation naming the attribute", async (t) => {
  const repo = await createAgentRepo(t);
  const commit = await repo.commit((dir) => writeTestFlake(dir, { hosts: { web1: host("/tmp/never-written") } }));

  const error = await t.throwsAsync(
    evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web2", repository: flake(), timeoutSec: 60, workDir: await tempDir(t) }),
    { instanceOf: StageError },
  );

  t.is(error?.kind, "failed");
  t.regex(error?.message ?? "", /web2/);
});

test("a non-flake repository is evaluated from a temporary worktree, removed afterwards", async (t) => {
  const repo = await createAgentRepo(t);
  const hosts = { "db.example.org": host("/tmp/never-written", { variant: "classic", machineId: "fedcba9876543210fedcba9876543210" }) };
  const commit = await repo.commit((dir) => writeTestNixExpression(path.join(dir, "systems"), { hosts }));
  await repo.commit((dir) => writeTestNixExpression(path.join(dir, "systems"), { hosts: { "db.example.org": host("/tmp/never-written", { variant: "later" }) } }));
  const expected = await instantiate(await tempDir(t), { hosts }, "db.example.org");
  const workDir = path.join(await tempDir(t), "work");
  const repository: CominConfig["repository"] = { type: "nix", subdir: "systems", submodules: false, systemAttr: 'machines."db.example.org"' };

  const evaluation = await evaluateGeneration({ repoDir: repo.bare, commit, hostname: "db.example.org", repository, timeoutSec: 60, workDir });

  t.is(evaluation.drvPath, expected.drv);
  t.is(evaluation.outPath, expected.out);
  t.is(evaluation.machineId, "fedcba9876543210fedcba9876543210");
  t.is(evaluation.flakeUrl, null);
  t.deepEqual(await readdir(workDir), [], "the checkout is removed");
  t.is((await git(repo.bare, ["worktree", "list", "--porcelain"])).match(/^worktree /gm)?.length, 1, "only the bare repository itself is listed");
});

test("a non-flake evaluation error still removes the worktree", async (t) => {
  const repo = await createAgentRepo(t);
  const commit = await repo.commit((dir) => writeTestNixExpression(dir, { hosts: { web1: host("/tmp/never-written", { evalError: "broken on purpose" }) } }));
  const workDir = path.join(await tempDir(t), "work");
  await mkdir(workDir);
  const repository: CominConfig["repository"] = { type: "nix", subdir: ".", submodules: false, systemAttr: "machines.web1" };

  const error = await t.throwsAsync(evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1", repository, timeoutSec: 60, workDir }), {
    instanceOf: StageError,
  });

  t.regex(error?.message ?? "", /broken on purpose/);
  t.deepEqual(await readdir(workDir), []);
});

test("a cancelled evaluation is a cancelled StageError", async (t) => {
  const repo = await createAgentRepo(t);
  const commit = await repo.commit((dir) => writeTestFlake(dir, { hosts: { web1: host("/tmp/never-written") } }));
  const abort = new AbortController();
  abort.abort();

  const error = await t.throwsAsync(
    evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1", repository: flake(), timeoutSec: 60, signal: abort.signal, workDir: await tempDir(t) }),
    { instanceOf: StageError },
  );

  t.is(error?.kind, "cancelled");
});

test("generated test flakes and expressions are valid Nix", async (t) => {
  const dir = await tempDir(t);
  const hosts = { "a.b": { record: "/tmp/it's \"quoted\" ${x}", inhibitors: { systemd: "1" }, kernel: "k", evalError: undefined, switchFails: true, switchSleepSec: 1, currentSystemLink: "/tmp/x" } };

  const files = [await writeTestFlake(dir, { hosts }), await writeTestNixExpression(dir, { hosts })];

  for (const file of files) await t.notThrowsAsync(execa("nix-instantiate", ["--parse", file], { stdin: "ignore" }), file);
});

test("the fixture's Nix string escaper round-trips through Nix", async (t) => {
  const value = 'back\\slash "quote" ${interpolation} $plain\nnew line\ttab \'single\' \'\'double-single';

  const { stdout } = await execa("nix-instantiate", ["--eval", "--json", "--expr", nixString(value)], { stdin: "ignore" });

  t.is(JSON.parse(stdout), value);
});

test("§5 with repository.submodules the flake URL fetches submodules (served over git://); without, their files are missing", async (t) => {
  const root = await tempDir(t);
  const hosts = { web1: host("/tmp/never-written", { variant: "from-a-submodule" }) };
  // The submodule: a repository whose flake.nix holds the systems, served by a loopback git daemon.
  const sub = path.join(root, "systems");
  await git(root, ["init", "-q", "-b", "main", sub]);
  await writeTestFlake(sub, { hosts });
  await git(sub, ["add", "-A"]);
  await git(sub, ["commit", "-q", "-m", "systems"]);
  const subCommit = await git(sub, ["rev-parse", "HEAD"]);
  const server = await startGitDaemon(t, root);
  const repo = await createAgentRepo(t);
  const commit = await repo.commit(async (dir) => {
    await writeFile(path.join(dir, ".gitmodules"), `[submodule "systems"]\n\tpath = systems\n\turl = ${server.url("systems")}\n`);
    await writeFile(path.join(dir, "flake.nix"), "{ outputs = { self }: (import ./systems/flake.nix).outputs { inherit self; }; }\n");
    await mkdir(path.join(dir, "systems"), { recursive: true });
    await git(dir, ["update-index", "--add", "--cacheinfo", `160000,${subCommit},systems`]);
  });
  t.is(await git(repo.bare, ["ls-tree", commit, "systems"]), `160000 commit ${subCommit}\tsystems`, "ground truth: a gitlink");
  const expected = await instantiate(await tempDir(t), { hosts }, "web1");

  const withSubmodules = await evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1", repository: { ...flake(), submodules: true }, timeoutSec: 60, workDir: await tempDir(t) });
  const without = evaluateGeneration({ repoDir: repo.bare, commit, hostname: "web1", repository: flake(), timeoutSec: 60, workDir: await tempDir(t) });

  t.is(withSubmodules.outPath, expected.out);
  t.regex(withSubmodules.flakeUrl ?? "", /[?&]submodules=1(&|$)/);
  await t.throwsAsync(without, { instanceOf: StageError, message: /systems\/flake\.nix/ });
});
