/**
 * SSH remotes against a real sshd (test/helpers/sshd.ts) serving the upstream repository through
 * git-upload-pack: the fetch, git's ssh invocation, its quoting, host key checking and key
 * authentication are all real. Failures that git alone reports alike ("Could not read from remote
 * repository") must say which one they are (behaviour.md §13).
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import test, { type ExecutionContext } from "ava";
import { Remote, type RemoteConfig } from "../../../dsl/schema.js";
import { GitError, GitRepository } from "../../../runtime/git/repository.js";
import { silentLogger } from "../../../runtime/log.js";
import { createSshKey, remoteHead, tempDir, UpstreamRepo, type SshKey } from "../../helpers/git.js";
import { otherHostKeyLine, startSshd, type Sshd } from "../../helpers/sshd.js";

interface World {
  dir: string;
  sshd: Sshd;
  key: SshKey;
  upstream: UpstreamRepo;
  head: string;
  repo: GitRepository;
}

/** An upstream repository behind a real sshd that accepts `key`, and the agent's repository. */
async function world(t: ExecutionContext, keyDir = "keys"): Promise<World> {
  const dir = await tempDir(t, "comin-ssh-");
  await mkdir(path.join(dir, keyDir), { recursive: true });
  const key = await createSshKey(path.join(dir, keyDir), "comin@web1");
  const sshd = await startSshd(t, path.join(dir, "sshd"), [key.publicKey]);
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream.git"));
  const head = await upstream.commit("main");
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  return { dir, sshd, key, upstream, head, repo };
}

async function knownHosts(w: World, lines: readonly string[], name = "known_hosts"): Promise<string> {
  const file = path.join(w.dir, name);
  await writeFile(file, lines.map((line) => `${line}\n`).join(""));
  return file;
}

function origin(w: World, auth: { sshKeyFile: string; knownHostsFile: string }): RemoteConfig {
  return Remote.parse({ name: "origin", url: w.sshd.url(w.upstream.dir), timeout: 30, auth });
}

const connections = (sshd: Sshd) => sshd.log().filter((line) => line.startsWith("Connection from ")).length;

async function fetchError(t: ExecutionContext, w: World, remote: RemoteConfig): Promise<string> {
  const error = await t.throwsAsync(w.repo.fetch(remote), { instanceOf: GitError });
  return error?.message ?? "";
}

test("an SSH remote is fetched from a real sshd with the key and the known_hosts file, whatever their paths hold", async (t) => {
  // Paths a shell would split or interpret if git's ssh command did not quote them.
  const w = await world(t, path.join("key dir", "it's $(touch pwned)"));
  const hosts = await knownHosts(w, [w.sshd.knownHostsLine], "known hosts");

  await w.repo.fetch(origin(w, { sshKeyFile: w.key.privateKeyFile, knownHostsFile: hosts }));

  t.is(await remoteHead(w.repo, "origin", "main"), w.head);
  t.true(w.sshd.log().some((line) => line.startsWith("Accepted publickey for root")));
});

test("a changed host key fails with ssh's warning of a possible man-in-the-middle", async (t) => {
  const w = await world(t);
  const hosts = await knownHosts(w, [await otherHostKeyLine(w.dir, `[127.0.0.1]:${w.sshd.port}`)]);

  const message = await fetchError(t, w, origin(w, { sshKeyFile: w.key.privateKeyFile, knownHostsFile: hosts }));

  t.regex(message, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
  t.regex(message, /Host key for \[127\.0\.0\.1\]:\d+ has changed/);
  t.regex(message, /Host key verification failed/);
  t.is(await remoteHead(w.repo, "origin", "main"), null);
});

test("an unknown host fails with ssh's host key verification, not as a changed key", async (t) => {
  const w = await world(t);
  const hosts = await knownHosts(w, [await otherHostKeyLine(w.dir, "git.example.test")]);

  const message = await fetchError(t, w, origin(w, { sshKeyFile: w.key.privateKeyFile, knownHostsFile: hosts }));

  t.regex(message, /No ED25519 host key is known for \[127\.0\.0\.1\]:\d+/);
  t.regex(message, /Host key verification failed/);
  t.notRegex(message, /CHANGED/);
});

test("a key the server does not accept fails with ssh's Permission denied (publickey)", async (t) => {
  const w = await world(t);
  const stranger = await createSshKey(w.dir, "stranger@example.test");
  const hosts = await knownHosts(w, [w.sshd.knownHostsLine]);

  const message = await fetchError(t, w, origin(w, { sshKeyFile: stranger.privateKeyFile, knownHostsFile: hosts }));

  t.regex(message, /Permission denied \(publickey\)/);
  t.notRegex(message, /Host key/);
});

test("a missing key file is named before ssh connects", async (t) => {
  const w = await world(t);
  const hosts = await knownHosts(w, [w.sshd.knownHostsLine]);
  const missing = path.join(w.dir, "no-such-key");

  const message = await fetchError(t, w, origin(w, { sshKeyFile: missing, knownHostsFile: hosts }));

  t.is(message, `cannot read the SSH key file ${missing} of remote origin (ENOENT)`);
  t.is(connections(w.sshd), 0);
});

test("a key file others can read is refused before ssh, which would ignore it, connects", async (t) => {
  const w = await world(t);
  const hosts = await knownHosts(w, [w.sshd.knownHostsLine]);
  await chmod(w.key.privateKeyFile, 0o644);

  const message = await fetchError(t, w, origin(w, { sshKeyFile: w.key.privateKeyFile, knownHostsFile: hosts }));

  t.is(message, `the SSH key file ${w.key.privateKeyFile} of remote origin is accessible by other users (mode 0644): ssh ignores such a key; make it 0600`);
  t.is(connections(w.sshd), 0);
});

test("an empty or missing known_hosts file is named before ssh connects", async (t) => {
  const w = await world(t);
  const empty = await knownHosts(w, ["# host keys go here", ""]);
  const missing = path.join(w.dir, "no-such-known-hosts");

  const emptyMessage = await fetchError(t, w, origin(w, { sshKeyFile: w.key.privateKeyFile, knownHostsFile: empty }));
  const missingMessage = await fetchError(t, w, origin(w, { sshKeyFile: w.key.privateKeyFile, knownHostsFile: missing }));

  t.is(emptyMessage, `the known_hosts file ${empty} of remote origin has no host keys: ssh cannot verify any server with it`);
  t.is(missingMessage, `cannot read the known_hosts file ${missing} of remote origin (ENOENT)`);
  t.is(connections(w.sshd), 0);
});
