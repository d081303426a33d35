/**
 * SSH remotes, without an SSH server (none on these machines): a fixture `ssh` first on PATH
 * records the arguments git gives it, then runs the remote command (git-upload-pack) locally,
 * as sshd would. The fetch, git's own ssh invocation and the quoting are real.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { Remote } from "../../../dsl/schema.js";
import { GitRepository } from "../../../runtime/git/repository.js";
import { silentLogger } from "../../../runtime/log.js";
import { createSshKey, tempDir, UpstreamRepo } from "../../helpers/git.js";
import { writeExecutable } from "../../helpers/temp.js";

const FAKE_SSH = `#!/bin/sh
# Test fixture: records its arguments, one per line, then runs the remote command locally.
for arg in "$@"; do printf '%s\\n' "$arg"; done > "$FAKE_SSH_LOG"
for last in "$@"; do :; done
exec /bin/sh -c "$last"
`;

test.serial("an SSH remote is fetched with the key, the known_hosts file, strict host checking and batch mode", async (t) => {
  const dir = await tempDir(t);
  const bin = path.join(dir, "bin");
  await mkdir(bin);
  await writeExecutable(path.join(bin, "ssh"), FAKE_SSH);
  const log = path.join(dir, "ssh-args");
  const originalPath = process.env.PATH;
  process.env.PATH = `${bin}:${originalPath ?? ""}`;
  process.env.FAKE_SSH_LOG = log;
  t.teardown(() => {
    process.env.PATH = originalPath;
    delete process.env.FAKE_SSH_LOG;
  });
  // Paths a shell would split or interpret if they were not quoted.
  const keyDir = path.join(dir, "key dir", "it's $(here)");
  await mkdir(keyDir, { recursive: true });
  const key = await createSshKey(keyDir, "comin@web1");
  const knownHosts = path.join(dir, "known_hosts");
  await writeFile(knownHosts, "");
  const upstream = await UpstreamRepo.create(path.join(dir, "upstream.git"));
  const head = await upstream.commit("main");
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  const origin = Remote.parse({
    name: "origin",
    url: `ssh://git@fleet.example.test${upstream.dir}`,
    auth: { sshKeyFile: key.privateKeyFile, knownHostsFile: knownHosts },
  });

  await repo.fetch(origin);

  t.is(await repo.remoteHead("origin", "main"), head);
  const args = (await readFile(log, "utf8")).split("\n");
  const option = (value: string) => args.some((arg, index) => arg === "-o" && args[index + 1] === value);
  t.true(args.some((arg, index) => arg === "-i" && args[index + 1] === key.privateKeyFile), "the key file is passed whole, unquoted");
  t.true(option("IdentitiesOnly=yes"));
  t.true(option(`UserKnownHostsFile=${knownHosts}`));
  t.true(option("StrictHostKeyChecking=yes"));
  t.true(option("BatchMode=yes"));
  t.true(args.includes("git@fleet.example.test"));
});
