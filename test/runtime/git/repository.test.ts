import { chmod, chown, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import test, { type ExecutionContext } from "ava";
import { Remote, type RemoteConfig } from "../../../dsl/schema.js";
import { GitError, GitRepository } from "../../../runtime/git/repository.js";
import { createLogger, silentLogger } from "../../../runtime/log.js";
import { gatherAndSelect } from "../../../runtime/selection.js";
import { git, remoteHead, startGitDaemon, startGitHttpServer, startSilentServer, tempDir, UpstreamRepo, waitFor } from "../../helpers/git.js";

function remote(input: { name: string; url: string } & Record<string, unknown>): RemoteConfig {
  return Remote.parse(input);
}

async function capturingLogger() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: "debug", write: (line) => lines.push(line) }) };
}

/** Every process's argv and environment, as text (this machine's test processes included). */
async function allProcessText(): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    for (const file of ["cmdline", "environ"]) {
      try {
        parts.push((await readFile(`/proc/${entry}/${file}`)).toString("utf8").replaceAll("\0", " "));
      } catch {
        // The process ended meanwhile, or is not readable.
      }
    }
  }
  return parts.join("\n");
}

test("open creates a bare repository with hooks disabled, and reopening keeps its refs", async (t) => {
  const dir = await tempDir(t);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  const head = await upstream.commit("main");
  const repo = await GitRepository.open(path.join(dir, "state", "repository"), silentLogger);
  await repo.fetch(remote({ name: "origin", url: upstream.url }));

  const reopened = await GitRepository.open(repo.dir, silentLogger);

  t.is(await git(repo.dir, ["rev-parse", "--is-bare-repository"]), "true");
  t.is(await git(repo.dir, ["config", "--local", "core.hooksPath"]), "/dev/null");
  t.is(await remoteHead(reopened, "origin", "main"), head);
  t.is((await stat(path.join(repo.dir, "comin-askpass.sh"))).mode & 0o777, 0o700);
});

test("syncRemotes adds missing remotes, updates changed URLs and removes the others with their refs", async (t) => {
  const dir = await tempDir(t);
  const a = await UpstreamRepo.create(path.join(dir, "a"));
  const b = await UpstreamRepo.create(path.join(dir, "b"));
  const c = await UpstreamRepo.create(path.join(dir, "c"));
  await c.commit("main");
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  await repo.syncRemotes([remote({ name: "origin", url: a.url }), remote({ name: "old", url: c.url })]);
  await repo.fetch(remote({ name: "old", url: c.url }));

  await repo.syncRemotes([remote({ name: "origin", url: b.url }), remote({ name: "mirror", url: a.url })]);

  const config = (await git(repo.dir, ["config", "--get-regexp", "^remote\\."])).split("\n");
  t.true(config.includes(`remote.origin.url ${b.url}`));
  t.true(config.includes(`remote.mirror.url ${a.url}`));
  t.true(config.includes("remote.mirror.fetch +refs/heads/*:refs/remotes/mirror/*"));
  t.false(config.some((line) => line.startsWith("remote.old.")));
  t.is(await remoteHead(repo, "old", "main"), null);
});

test("fetch from a local path sees new commits, force-pushes and deleted branches", async (t) => {
  const dir = await tempDir(t);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  const first = await upstream.commit("main");
  const second = await upstream.commit("main");
  await upstream.commit("feature");
  const origin = remote({ name: "origin", url: upstream.url });
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  await repo.syncRemotes([origin]);
  await repo.fetch(origin);
  const before = await remoteHead(repo, "origin", "main");

  await upstream.setBranch("main", first);
  await upstream.deleteBranch("feature");
  await repo.fetch(origin);

  t.is(before, second);
  t.is(await remoteHead(repo, "origin", "main"), first);
  t.is(await remoteHead(repo, "origin", "feature"), null);
  t.is(await remoteHead(repo, "origin", "missing"), null);
});

test("fetch over smart HTTP and over git:// from loopback servers", async (t) => {
  const dir = await tempDir(t);
  const root = path.join(dir, "srv");
  const upstream = await UpstreamRepo.create(path.join(root, "fleet.git"));
  const head = await upstream.commit("main", { files: { "flake.nix": "{ outputs = _: { }; }\n" } });
  const httpServer = await startGitHttpServer(t, root);
  const daemon = await startGitDaemon(t, root);
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  const overHttp = remote({ name: "http", url: httpServer.url("fleet.git") });
  const overGit = remote({ name: "daemon", url: daemon.url("fleet.git") });
  await repo.syncRemotes([overHttp, overGit]);

  await repo.fetch(overHttp);
  await repo.fetch(overGit);

  t.is(await remoteHead(repo, "http", "main"), head);
  t.is(await remoteHead(repo, "daemon", "main"), head);
  t.true(httpServer.requests.some((request) => request.path.endsWith("/git-upload-pack")));
});

test("the HTTPS token is sent through GIT_ASKPASS and never appears in argv or in the environment", async (t) => {
  const dir = await tempDir(t);
  const root = path.join(dir, "srv");
  const upstream = await UpstreamRepo.create(path.join(root, "fleet.git"));
  const head = await upstream.commit("main");
  const token = "tok-7f3c9a1b5e2d4f60-secret";
  const tokenFile = path.join(dir, "token");
  await writeFile(tokenFile, `  ${token}\n`, { mode: 0o600 });
  let processText = "";
  const server = await startGitHttpServer(t, root, {
    auth: { username: "comin", password: token },
    // git waits for this answer: its processes (fetch, remote-http) are all alive now.
    beforeResponse: async () => {
      processText ||= await allProcessText();
    },
  });
  const { lines, log } = await capturingLogger();
  const repo = await GitRepository.open(path.join(dir, "repository"), log);
  const origin = remote({ name: "origin", url: server.url("fleet.git"), auth: { tokenFile } });
  await repo.syncRemotes([origin]);

  await repo.fetch(origin);

  t.is(await remoteHead(repo, "origin", "main"), head);
  const authorized = server.requests.find((request) => request.authorization !== null);
  t.is(authorized?.authorization, `Basic ${Buffer.from(`comin:${token}`).toString("base64")}`);
  t.true(processText.includes(`GIT_ASKPASS=${path.join(repo.dir, "comin-askpass.sh")}`), "git runs with the askpass script");
  t.true(processText.includes(`COMIN_GIT_TOKEN_FILE=${tokenFile}`));
  t.false(processText.includes(token), "the token is in no process's argv or environment");
  t.false(lines.join("\n").includes(token));
  t.false((await git(repo.dir, ["config", "--list", "--local"])).includes(token));
});

test("a refused token fails the fetch with a message and logs that do not contain it", async (t) => {
  const dir = await tempDir(t);
  const root = path.join(dir, "srv");
  const upstream = await UpstreamRepo.create(path.join(root, "fleet.git"));
  await upstream.commit("main");
  const token = "wrong-token-5d1e8c";
  const tokenFile = path.join(dir, "token");
  await writeFile(tokenFile, token);
  const server = await startGitHttpServer(t, root, { auth: { username: "comin", password: "the-right-one" } });
  const { lines, log } = await capturingLogger();
  const repo = await GitRepository.open(path.join(dir, "repository"), log);
  const origin = remote({ name: "origin", url: server.url("fleet.git"), auth: { tokenFile } });

  const error = await t.throwsAsync(repo.fetch(origin), { instanceOf: GitError });

  t.is(error?.kind, "failed");
  t.regex(error?.message ?? "", /^git fetch origin failed: .*Authentication failed/);
  t.false(error?.message.includes(token));
  t.false(String((error?.cause as Error | undefined)?.message).includes(token));
  t.false(lines.join("\n").includes(token));
  t.true(server.requests.some((request) => request.authorization !== null), "the token was tried");
});

test("credentials written in a remote URL are scrubbed from errors", async (t) => {
  const dir = await tempDir(t);
  const server = await startGitHttpServer(t, path.join(dir, "srv"));
  const url = server.url("missing.git").replace("http://", "http://someone:hunter2-url-secret@");
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);

  const error = await t.throwsAsync(repo.fetch(remote({ name: "origin", url })), { instanceOf: GitError });

  t.false(error?.message.includes("hunter2-url-secret"));
  t.false(String((error?.cause as Error | undefined)?.message).includes("hunter2-url-secret"));
});

test("an unreadable token file is a clear error", async (t) => {
  const dir = await tempDir(t);
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  const tokenFile = path.join(dir, "no-such-token");

  const error = await t.throwsAsync(repo.fetch(remote({ name: "origin", url: "https://127.0.0.1:1/x.git", auth: { tokenFile } })), { instanceOf: GitError });

  t.is(error?.message, `cannot read the token file ${tokenFile} of remote origin (ENOENT)`);
});

test("a hung remote is killed with its process group at its timeout while another remote completes", async (t) => {
  const dir = await tempDir(t);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  const head = await upstream.commit("main");
  const silent = await startSilentServer(t);
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  // Over HTTP the connection is held by git-remote-http, a child of git: only a group kill closes it.
  const hung = remote({ name: "hung", url: silent.httpUrl("fleet.git"), timeout: 1 });
  const healthy = remote({ name: "healthy", url: upstream.url, timeout: 60 });
  await repo.syncRemotes([hung, healthy]);
  const started = Date.now();
  let healthyDoneAt = 0;

  const [hungResult] = await Promise.allSettled([
    repo.fetch(hung),
    repo.fetch(healthy).then(() => {
      healthyDoneAt = Date.now();
    }),
  ]);
  const hungDoneAt = Date.now();

  t.is(hungResult?.status, "rejected");
  const error = hungResult?.status === "rejected" ? (hungResult.reason as GitError) : null;
  t.true(error instanceof GitError);
  t.is(error?.kind, "timeout");
  t.is(error?.message, "git fetch hung timed out after 1s");
  t.true(hungDoneAt - started < 8000, `killed after ${hungDoneAt - started} ms`);
  t.true(healthyDoneAt > 0 && healthyDoneAt < hungDoneAt, "the healthy remote did not wait for the hung one");
  t.is(await remoteHead(repo, "healthy", "main"), head);
  t.true(silent.accepted >= 1);
  await waitFor(() => silent.open === 0, { timeoutMs: 5000, message: "a git process still holds the hung connection" });
});

test("an aborted fetch is cancelled at once", async (t) => {
  const dir = await tempDir(t);
  const silent = await startSilentServer(t);
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  const controller = new AbortController();
  const hung = remote({ name: "hung", url: silent.gitUrl("fleet.git"), timeout: 300 });
  const fetching = repo.fetch(hung, controller.signal);
  await waitFor(() => silent.accepted === 1, { message: "git never connected" });

  controller.abort();
  const error = await t.throwsAsync(fetching, { instanceOf: GitError });

  t.is(error?.kind, "cancelled");
  await waitFor(() => silent.open === 0, { timeoutMs: 5000, message: "the connection stayed open" });
});

test("hooks never run: neither the repository's hooks directory nor a core.hooksPath set in its config", async (t) => {
  const dir = await tempDir(t);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  await upstream.commit("main");
  const marker = path.join(dir, "hook-ran");
  const hook = `#!/bin/sh\necho "$0 $*" >> '${marker}'\n`;
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  const hooksDir = path.join(repo.dir, "hooks");
  const otherHooks = path.join(dir, "other-hooks");
  for (const hooks of [hooksDir, otherHooks]) {
    await mkdir(hooks, { recursive: true });
    await writeFile(path.join(hooks, "reference-transaction"), hook);
    await chmod(path.join(hooks, "reference-transaction"), 0o755);
  }
  // Control: the same hook does run when git is not told otherwise.
  const control = await UpstreamRepo.create(path.join(dir, "control"));
  await mkdir(path.join(control.dir, "hooks"));
  await writeFile(path.join(control.dir, "hooks", "reference-transaction"), hook);
  await chmod(path.join(control.dir, "hooks", "reference-transaction"), 0o755);
  await git(control.dir, ["-c", `core.hooksPath=${path.join(control.dir, "hooks")}`, "fetch", "--quiet", upstream.url, "+refs/heads/*:refs/remotes/x/*"]);
  const controlRan = (await readFile(marker, "utf8").catch(() => "")) !== "";
  await writeFile(marker, "");

  await repo.fetch(remote({ name: "origin", url: upstream.url }));
  await git(repo.dir, ["config", "core.hooksPath", otherHooks]);
  await repo.fetch(remote({ name: "origin", url: upstream.url }));
  await repo.syncRemotes([remote({ name: "second", url: upstream.url })]);

  t.true(controlRan, "the control hook ran, so the test can fail");
  t.is(await readFile(marker, "utf8"), "");
});

test("hostile branch names and commit messages stay inert", async (t) => {
  const dir = await tempDir(t);
  const pwned = path.join(dir, "pwned");
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  // Everything git allows in a ref that a shell would act on (no space, ~ ^ : ? * [ \ or control characters in refs).
  const names = [
    `main'"$(touch\${IFS}${pwned})`,
    `x\`touch\${IFS}${pwned}\`;rm\${IFS}-rf\${IFS}${dir}|&>`,
    "ünïcødé/分支-🚀",
    "%(refname)%x00{hostname}",
  ];
  const message = `$(touch ${pwned})\n\n\`touch ${pwned}\`; exit 1 \u001b[31mred\u001b[0m %s %x00 %(describe)\r\n--upload-pack=touch ${pwned}\n'"\\\n`;
  const heads: string[] = [];
  for (const name of names) heads.push(await upstream.commit(name, { message, parent: null }));
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  const remotes = names.map((name, index) => remote({ name: `r${index}`, url: upstream.url, branches: { main: { name }, testing: { name: `${name}-testing` } } }));
  await repo.syncRemotes(remotes);

  for (const config of remotes) await repo.fetch(config);
  const found = await Promise.all(names.map((name, index) => remoteHead(repo, `r${index}`, name)));
  const selection = await gatherAndSelect({
    repo,
    remotes,
    fetchOk: Object.fromEntries(remotes.map((config) => [config.name, true])),
    baseline: null,
    previous: null,
    previousBranches: {},
    verifier: null,
  });

  t.deepEqual(found, heads);
  t.is(await repo.commitMessage(heads[0] ?? ""), message);
  t.is(selection.candidate?.branch, names[0]);
  t.is(selection.candidate?.message, message);
  t.is(await remoteHead(repo, "r0", "main"), null);
  await t.throwsAsync(stat(pwned), { code: "ENOENT" });
});

/** Handing a repository to another user needs root: without it the test is skipped, visibly, with the reason. */
const asRoot = process.getuid?.() === 0 ? test : test.skip;

asRoot(`a local-path remote owned by another user can be fetched${process.getuid?.() === 0 ? "" : " (skipped: needs root to chown the upstream repository)"}`, async (t) => {
  const dir = await tempDir(t);
  await chmod(dir, 0o755);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  const head = await upstream.commit("main");
  await chownRecursive(upstream.dir, 65534, 65534);
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);

  await repo.fetch(remote({ name: "origin", url: upstream.url }));

  t.is(await remoteHead(repo, "origin", "main"), head);
});

async function chownRecursive(target: string, uid: number, gid: number): Promise<void> {
  await chown(target, uid, gid);
  if (!(await stat(target)).isDirectory()) return;
  for (const entry of await readdir(target)) await chownRecursive(path.join(target, entry), uid, gid);
}

test("isAncestor, commitExists and commitMessage answer from the repository", async (t) => {
  const dir = await tempDir(t);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  const a = await upstream.commit("main", { message: "first line\n\nbody\n" });
  const b = await upstream.commit("main");
  const c = await upstream.commit("other", { parent: a });
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  await repo.fetch(remote({ name: "origin", url: upstream.url }));

  t.true(await repo.isAncestor(a, b));
  t.false(await repo.isAncestor(b, a));
  t.false(await repo.isAncestor(b, c));
  t.true(await repo.commitExists(c));
  t.false(await repo.commitExists("0".repeat(40)));
  t.false(await repo.commitExists("--all"));
  t.is(await repo.commitMessage(a), "first line\n\nbody\n");
  await t.throwsAsync(repo.isAncestor("--help", a), { instanceOf: GitError, message: /invalid commit id/ });
  await t.throwsAsync(repo.isAncestor("0".repeat(40), a), { instanceOf: GitError });
});

async function maintenanceFixture(t: ExecutionContext) {
  const dir = await tempDir(t);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  // Every fetch keeps its pack, and two packs are enough for `gc --auto` to repack.
  for (const [key, value] of [["fetch.unpackLimit", "1"], ["gc.autoPackLimit", "1"], ["gc.autoDetach", "false"]]) await git(repo.dir, ["config", key ?? "", value ?? ""]);
  const origin = remote({ name: "origin", url: upstream.url });
  const packs = async () => (await readdir(path.join(repo.dir, "objects/pack"))).filter((name) => name.endsWith(".pack")).length;
  /** One round as the fetcher runs it: fetch, read the refs (selection), then maintenance. */
  const round = async (message: string | null) => {
    if (message !== null) await upstream.commit("main", { message });
    await repo.fetch(origin);
    await repo.remoteHeads();
    await repo.maintainAfterChanges();
  };
  return { repo, origin, packs, round };
}

test("fetches run no maintenance; maintainAfterChanges runs git's in the first round after changes that brings none", async (t) => {
  const { repo, origin, packs, round } = await maintenanceFixture(t);
  await repo.fetch(origin);
  await repo.maintainAfterChanges(); // no refs read yet: nothing known to have changed
  await round("one\n");
  await round("two\n");
  const afterChangedRounds = await packs();
  await round(null);
  const afterSettledRound = await packs();
  await round("three\n");
  const afterNextChange = await packs();

  t.is(afterChangedRounds, 2, "rounds that bring commits (and go on to deploy them) start no maintenance");
  t.is(afterSettledRound, 1, "the first round that brings nothing repacks");
  t.is(afterNextChange, 2);
});

test("a repository that changes every round is maintained after 10 such rounds", async (t) => {
  const { packs, round } = await maintenanceFixture(t);
  const counts: number[] = [];
  for (let index = 1; index <= 10; index++) {
    await round(`change ${index}\n`);
    counts.push(await packs());
  }
  t.deepEqual(counts, [1, 2, 3, 4, 5, 6, 7, 8, 9, 1]);
});

test("lock files left by a killed git are removed at open, so fetches work again", async (t) => {
  const dir = await tempDir(t);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  await upstream.commit("main");
  const second = await upstream.commit("main");
  const origin = remote({ name: "origin", url: upstream.url });
  const repoDir = path.join(dir, "repository");
  const first = await GitRepository.open(repoDir, silentLogger);
  await first.syncRemotes([origin]);
  await first.fetch(origin);
  await upstream.commit("main");
  await writeFile(path.join(repoDir, "refs/remotes/origin/main.lock"), `${second}\n`);
  await writeFile(path.join(repoDir, "packed-refs.lock"), "");
  await t.throwsAsync(first.fetch(origin), { instanceOf: GitError }, "the lock blocks the fetch");
  const { lines, log } = await capturingLogger();

  const reopened = await GitRepository.open(repoDir, log);
  await reopened.syncRemotes([origin]);
  await reopened.fetch(origin);

  t.is(await remoteHead(reopened, "origin", "main"), await upstream.head("main"));
  t.true(lines.some((line) => line.includes("stale git lock") && line.includes("refs/remotes/origin/main.lock")));
});

test("remoteHeads reads every remote-tracking ref in one call", async (t) => {
  const dir = await tempDir(t);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream"));
  const main = await upstream.commit("main");
  const feature = await upstream.commit("feature/x");
  const origin = remote({ name: "origin", url: upstream.url });
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  await repo.syncRemotes([origin]);
  await repo.fetch(origin);

  const heads = await repo.remoteHeads();

  t.is(heads.get("refs/remotes/origin/main"), main);
  t.is(heads.get("refs/remotes/origin/feature/x"), feature);
});

test("§15 with a notes ref, each remote's notes are fetched into its own copy; a remote without them fetches fine; removing the remote drops its copy", async (t) => {
  const dir = await tempDir(t);
  const withNotes = await UpstreamRepo.create(path.join(dir, "with-notes"));
  const without = await UpstreamRepo.create(path.join(dir, "without"));
  const head = await withNotes.commit("main");
  await without.commit("main");
  await git(withNotes.dir, ["notes", "--ref", "refs/notes/comin", "add", "-m", "{}", head]);
  await git(withNotes.dir, ["notes", "--ref", "refs/notes/other", "add", "-m", "not ours", head]);
  const notesHead = (await git(withNotes.dir, ["rev-parse", "refs/notes/comin"])).trim();
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger, { notesRef: "refs/notes/comin" });
  const remotes = [remote({ name: "origin", url: withNotes.url }), remote({ name: "mirror", url: without.url })];
  await repo.syncRemotes(remotes);

  await repo.fetch(remotes[0]!);
  await repo.fetch(remotes[1]!);

  const refs = (await git(repo.dir, ["for-each-ref", "--format=%(refname) %(objectname)", "refs/notes/"])).trim().split("\n");
  t.deepEqual(refs, [`refs/notes/remotes/origin/comin ${notesHead}`]);
  await repo.syncRemotes([remotes[1]!]);
  t.is((await git(repo.dir, ["for-each-ref", "refs/notes/"])).trim(), "");
});
