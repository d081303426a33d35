/**
 * `comin publish` through the real CLI (interfaces §7): real Nix evaluates, builds, signs and
 * copies to a real `file://` binary cache; the manifest is a git note pushed to a bare forge.
 */
import test from "ava";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { buildTestSystem } from "../../scripts/lib/test-system.js";
import { FleetRepo, git, tempDir } from "../helpers/daemon.js";
import { makeCacheKey, publish, writeFleetConfig } from "../helpers/prebuilt.js";
import type { Teardown } from "../helpers/temp.js";

async function fleetWithForge(t: Teardown) {
  const dir = await tempDir(t, "comin-publish-");
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const forge = path.join(dir, "forge.git");
  await git(dir, ["init", "-q", "--bare", forge]);
  await git(fleet.dir, ["remote", "add", "origin", forge]);
  const record = path.join(dir, "switch.log");
  const configFile = await writeFleetConfig(path.join(dir, "comin.config.ts"), { remotes: [{ name: "origin", url: forge }], hosts: { web1: {}, web2: {}, broken: {} } });
  const key = await makeCacheKey(dir, "ci.example.test-1");
  return { dir, fleet, forge, record, configFile, key, cache: path.join(dir, "cache") };
}

test("one failing host does not stop the others: they are published, the summary says which failed, exit 1", async (t) => {
  const f = await fleetWithForge(t);
  const commit = await f.fleet.commit({ web1: { record: f.record, variant: "p1" }, web2: { record: f.record, variant: "p2", machineId: "abc" }, broken: { record: f.record, buildFails: true } }, "three hosts");
  await git(f.fleet.dir, ["push", "-q", "origin", "main"]);

  const run = await publish([f.configFile, "--repository", f.fleet.dir, "--to", `file://${f.cache}`, "--sign-key", f.key.secretFile, "--push", "origin"]);

  t.is(run.exitCode, 1, run.stdout + run.stderr);
  t.regex(run.stdout, /^broken: FAILED \(build\): /m);
  t.regex(run.stdout, /^web1: evaluating\nweb1: building\nweb1: signing\nweb1: copying to the cache\nweb1: published \/nix\/store\//m);
  t.regex(run.stdout, /^broken +failed \(build\) +build failed/m);
  t.regex(run.stdout, /2 published, 1 failed/);
  const note = JSON.parse(await git(f.forge, ["notes", "--ref", "refs/notes/comin", "show", commit])) as { schemaVersion: number; commit: string; hosts: Record<string, { outPath: string; drvPath: string; machineId: string | null }> };
  t.is(note.schemaVersion, 1);
  t.is(note.commit, commit);
  t.deepEqual(Object.keys(note.hosts), ["web1", "web2"]);
  t.is(note.hosts.web2?.machineId, "abc");
  const narinfos = (await readdir(f.cache)).filter((name) => name.endsWith(".narinfo"));
  const web1Hash = path.basename(note.hosts.web1?.outPath ?? "").slice(0, 32);
  const narinfo = await readFile(path.join(f.cache, `${web1Hash}.narinfo`), "utf8");
  t.true(narinfos.length >= 2);
  t.regex(narinfo, new RegExp(`^Sig: ${f.key.name}:`, "m"), "signed with the --sign-key");
});

test("publishing other hosts of the same commit later merges them into the pushed manifest", async (t) => {
  const f = await fleetWithForge(t);
  const commit = await f.fleet.commit({ web1: { record: f.record, variant: "m1" }, web2: { record: f.record, variant: "m2" }, broken: { record: f.record, buildFails: true } }, "merge");
  await git(f.fleet.dir, ["push", "-q", "origin", "main"]);
  const args = [f.configFile, "--repository", f.fleet.dir, "--to", `file://${f.cache}`, "--push", "origin"];

  const first = await publish([...args, "--hosts", "web1"]);
  // Another CI job, from a fresh clone that has none of the notes locally.
  const clone = path.join(f.dir, "clone");
  await git(f.dir, ["clone", "-q", f.forge, clone]);
  const second = await publish([f.configFile, "--repository", clone, "--to", `file://${f.cache}`, "--push", "origin", "--hosts", "web2", "--commit", commit]);

  t.is(first.exitCode, 0, first.stdout + first.stderr);
  t.regex(first.stderr, /no --sign-key: the closures are copied unsigned/);
  t.is(second.exitCode, 0, second.stdout + second.stderr);
  const note = JSON.parse(await git(f.forge, ["notes", "--ref", "refs/notes/comin", "show", commit])) as { hosts: Record<string, unknown> };
  t.deepEqual(Object.keys(note.hosts), ["web1", "web2"]);
});

test("--sign-commit signs the notes commit with git's signing settings", async (t) => {
  const f = await fleetWithForge(t);
  const commit = await f.fleet.commit({ web1: { record: f.record, variant: "s1" }, web2: { record: f.record, variant: "s2" }, broken: { record: f.record, variant: "s3" } }, "signed notes");
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ci@example.test", "-f", path.join(f.dir, "ci-key")], { stdin: "ignore" });
  await git(f.fleet.dir, ["config", "gpg.format", "ssh"]);
  await git(f.fleet.dir, ["config", "user.signingKey", path.join(f.dir, "ci-key")]);

  const run = await publish([f.configFile, "--repository", f.fleet.dir, "--to", `file://${f.cache}`, "--hosts", "web1", "--sign-commit"]);

  t.is(run.exitCode, 0, run.stdout + run.stderr);
  t.regex(run.stdout, /written to refs\/notes\/comin \(1 host, signed\)/);
  const raw = await git(f.fleet.dir, ["cat-file", "commit", "refs/notes/comin"]);
  t.regex(raw, /^gpgsig -----BEGIN SSH SIGNATURE-----/m);
  t.regex(await git(f.fleet.dir, ["notes", "--ref", "refs/notes/comin", "show", commit]), /"web1"/);
});

test("an unknown host is a usage error and nothing is published", async (t) => {
  const f = await fleetWithForge(t);
  await f.fleet.commit({ web1: { record: f.record } }, "one");

  const run = await publish([f.configFile, "--repository", f.fleet.dir, "--to", `file://${f.cache}`, "--hosts", "web1,nope"]);

  t.is(run.exitCode, 2);
  t.regex(run.stderr, /unknown host nope \(the configuration has: broken, web1, web2\)/);
  t.is(await git(f.fleet.dir, ["notes", "--ref", "refs/notes/comin", "list"]).catch(() => ""), "");
});

test("the published system is the one the agent's evaluation gives (same expression, same outPath)", async (t) => {
  const f = await fleetWithForge(t);
  const host = { record: f.record, variant: "same-expression" };
  const commit = await f.fleet.commit({ web1: host, web2: host, broken: host }, "same");

  const run = await publish([f.configFile, "--repository", f.fleet.dir, "--to", `file://${f.cache}`, "--hosts", "web1"]);

  t.is(run.exitCode, 0, run.stdout + run.stderr);
  const note = JSON.parse(await git(f.fleet.dir, ["notes", "--ref", "refs/notes/comin", "show", commit])) as { hosts: { web1: { outPath: string } } };
  t.is(note.hosts.web1.outPath, await buildTestSystem(f.dir, "web1", host));
});
