/**
 * Prebuilt systems with the real daemon (behaviour §15): `comin publish` (the real CLI) evaluates,
 * builds, signs and copies a host's system to a real binary cache and pushes the manifest; the
 * store path is then deleted, so the machine can only have it by substitution. The machine's nix
 * programs are wrapped by the benchmark's process spy, which records every evaluation.
 */
import test from "ava";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { createProcessSpy, isEvaluation } from "../../bench/process-spy.js";
import type { RuntimeConfigInput } from "../../dsl/schema.js";
import { createMachine, Daemon, deployed, FleetRepo, git, localRemote, switchCalls, tempDir, type Machine } from "../helpers/daemon.js";
import { forgetPath, isValidPath, makeCacheKey, publish, startCacheServer, writeFleetConfig, type CacheKey, type CacheServer } from "../helpers/prebuilt.js";
import { createSshKey, writeAllowedSigners } from "../helpers/keys.js";
import type { Teardown } from "../helpers/temp.js";

interface Lab {
  dir: string;
  fleet: FleetRepo;
  /** The forge: a bare repository the fleet pushes to and the machine fetches from. */
  forge: string;
  cacheDir: string;
  /** The cache directory served over HTTP. */
  cache: CacheServer;
  key: CacheKey;
  configFile: string;
  machine: Machine;
}

type CacheSide = { cacheDir: string; cache: CacheServer; key: CacheKey };

/** The file:// cache and the machine trusting the CI key: the default prebuilt settings of a test. */
const fileCache = ({ cacheDir, key }: CacheSide): NonNullable<RuntimeConfigInput["prebuilt"]> => ({ substituters: [`file://${cacheDir}`], trustedPublicKeys: [key.publicKey] });

async function lab(t: Teardown, prebuilt: (side: CacheSide) => RuntimeConfigInput["prebuilt"] = fileCache, extra: Partial<RuntimeConfigInput> = {}, hostname = "web1"): Promise<Lab> {
  const dir = await tempDir(t, "comin-prebuilt-");
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const forge = path.join(dir, "forge.git");
  await git(dir, ["init", "-q", "--bare", forge]);
  await git(fleet.dir, ["remote", "add", "origin", forge]);
  const cacheDir = path.join(dir, "cache");
  await mkdir(cacheDir);
  const cache = await startCacheServer(t, cacheDir);
  const key = await makeCacheKey(dir, "ci.example.test-1");
  const machine = await createMachine(dir, hostname, { remotes: [localRemote("origin", forge)], prebuilt: prebuilt({ cacheDir, cache, key }), ...extra });
  const configFile = await writeFleetConfig(path.join(dir, "comin.config.ts"), { remotes: [{ name: "origin", url: forge }], hosts: { [hostname]: {}, other: {} } });
  return { dir, fleet, forge, cacheDir, cache, key, configFile, machine };
}

/** Commits a system for the machine (and one for "other") and pushes main to the forge. */
async function commitAndPush(l: Lab, variant: string, extra: Parameters<Machine["host"]>[0] = {}): Promise<string> {
  const commit = await l.fleet.commit({ [l.machine.hostname]: l.machine.host({ variant, ...extra }), other: l.machine.host({ variant: `${variant}-other` }) }, variant);
  await git(l.fleet.dir, ["push", "-q", "origin", "main"]);
  return commit;
}

function publishArgs(l: Lab, extra: string[] = []): string[] {
  return [l.configFile, "--repository", l.fleet.dir, "--to", `file://${l.cacheDir}`, "--sign-key", l.key.secretFile, "--push", "origin", ...extra];
}

/** The published system of `host` in the note of `commit` on the forge. */
async function publishedSystem(l: Lab, commit: string, host: string): Promise<string> {
  const note = JSON.parse(await git(l.forge, ["notes", "--ref", "refs/notes/comin", "show", commit])) as { hosts: Record<string, { outPath: string }> };
  const system = note.hosts[host];
  if (!system) throw new Error(`no ${host} in the note of ${commit}`);
  return system.outPath;
}

test("publish then deploy over HTTP: the machine substitutes the published system and evaluates nothing", async (t) => {
  const l = await lab(t, ({ cache, key }) => ({ substituters: [cache.url], trustedPublicKeys: [key.publicKey] }));
  const commit = await commitAndPush(l, "published-http");

  const run = await publish(publishArgs(l));
  t.is(run.exitCode, 0, run.stdout + run.stderr);
  const outPath = await publishedSystem(l, commit, "web1");
  await forgetPath(outPath);
  const spy = await createProcessSpy(path.join(l.dir, "spy"));
  const daemon = await Daemon.start(t, l.machine, { PATH: `${spy.binDir}:${process.env.PATH ?? ""}` });
  const status = await daemon.waitFor(deployed(commit, "switch"), 60_000, "the prebuilt deployment");

  t.is(status.deployment?.outPath, outPath);
  t.is(status.generation?.source, "prebuilt");
  t.is(status.generation?.eval.status, "skipped");
  t.is(status.generation?.eval.error, "prebuilt");
  t.true(await isValidPath(outPath));
  t.deepEqual(await switchCalls(l.machine), [["switch", outPath]]);
  const calls = await spy.calls();
  t.deepEqual(calls.filter(isEvaluation), [], "no nix eval, nix-instantiate or nix-build on the machine");
  t.true(calls.some((call) => call.program === "nix-store" && call.args[1] === outPath), "the system was realised by substitution");
  t.true(l.cache.requests.some((request) => request.endsWith(".narinfo")), "the machine asked the HTTP cache");
  t.regex(run.stdout, /web1 +published +\/nix\/store\//);
  t.regex(run.stdout, /2 published, 0 failed/);
});

test("a system signed by a key the machine does not trust is refused with Nix's reason; nothing is deployed", async (t) => {
  const l = await lab(t, fileCache, { retries: { attempts: 1 } });
  const stranger = await makeCacheKey(l.dir, "stranger.example.test-1");
  const commit = await commitAndPush(l, "untrusted-key");
  const run = await publish([l.configFile, "--repository", l.fleet.dir, "--to", `file://${l.cacheDir}`, "--sign-key", stranger.secretFile, "--push", "origin"]);
  t.is(run.exitCode, 0, run.stdout + run.stderr);
  const outPath = await publishedSystem(l, commit, "web1");
  await forgetPath(outPath);

  const daemon = await Daemon.start(t, l.machine);
  const status = await daemon.waitFor((s) => s.generation?.commit === commit && s.generation.build.status === "failed", 60_000, "the substitution to fail");

  t.regex(status.generation?.build.error ?? "", /cannot substitute the prebuilt system/);
  t.regex(status.generation?.build.error ?? "", /is not signed by any of the keys in 'trusted-public-keys'/, "Nix's reason is quoted");
  t.is(status.deployment, null);
  t.false(await isValidPath(outPath));
  t.deepEqual(await switchCalls(l.machine), []);
});

test("an unsigned system is refused: require-sigs holds even for a cache the machine names", async (t) => {
  const l = await lab(t, fileCache, { retries: { attempts: 1 } });
  const commit = await commitAndPush(l, "unsigned");
  const run = await publish([l.configFile, "--repository", l.fleet.dir, "--to", `file://${l.cacheDir}`, "--push", "origin"]);
  t.is(run.exitCode, 0, run.stdout + run.stderr);
  const outPath = await publishedSystem(l, commit, "web1");
  await forgetPath(outPath);

  const daemon = await Daemon.start(t, l.machine);
  const status = await daemon.waitFor((s) => s.generation?.commit === commit && s.generation.build.status === "failed", 60_000, "the substitution to fail");

  t.regex(status.generation?.build.error ?? "", /cannot substitute the prebuilt system/);
  t.regex(status.generation?.build.error ?? "", /is not signed by any of the keys in 'trusted-public-keys'/, "Nix's reason is quoted");
  t.is(status.pending?.includes("gave up"), true);
  t.false(await isValidPath(outPath));
  t.deepEqual(await switchCalls(l.machine), []);
});

test("missing: wait — the commit waits for its manifest and deploys once the note is fetched", async (t) => {
  const l = await lab(t);
  const commit = await commitAndPush(l, "late-note");
  const spy = await createProcessSpy(path.join(l.dir, "spy"));
  const daemon = await Daemon.start(t, l.machine, { PATH: `${spy.binDir}:${process.env.PATH ?? ""}` });
  const waiting = await daemon.waitFor((s) => s.generation?.commit === commit && (s.pending ?? "").startsWith(`waiting for a prebuilt system of ${commit} (refs/notes/comin)`), 30_000, "the wait for a manifest");
  t.is(waiting.generation?.eval.status, "pending");
  t.regex(waiting.generation?.eval.error ?? "", /has no notes ref refs\/notes\/comin/);

  // Published to a staging repository first: the running daemon must not see the note (and use
  // the system CI just built in this store) before the system is deleted from the store.
  const staging = path.join(l.dir, "staging.git");
  await git(l.dir, ["init", "-q", "--bare", staging]);
  await git(l.fleet.dir, ["remote", "add", "staging", staging]);
  const run = await publish([l.configFile, "--repository", l.fleet.dir, "--to", `file://${l.cacheDir}`, "--sign-key", l.key.secretFile, "--push", "staging"]);
  t.is(run.exitCode, 0, run.stdout + run.stderr);
  const outPath = await publishedSystem({ ...l, forge: staging }, commit, "web1");
  await forgetPath(outPath);
  await git(staging, ["push", "-q", l.forge, "refs/notes/comin:refs/notes/comin"]);
  const status = await daemon.waitFor(deployed(commit, "switch"), 60_000, "the deployment after the note arrived");

  t.is(status.deployment?.outPath, outPath);
  t.is(status.generation?.source, "prebuilt");
  t.is(status.generation?.attempt, 0, "waiting is not a failed attempt");
  t.deepEqual((await spy.calls()).filter(isEvaluation), []);
});

test("the machine-id guard reads the manifest's machineId: another machine's system is never substituted", async (t) => {
  const l = await lab(t);
  const commit = await commitAndPush(l, "pinned-elsewhere", { machineId: "0123456789abcdef0123456789abcdef" });
  const run = await publish(publishArgs(l));
  t.is(run.exitCode, 0, run.stdout + run.stderr);
  const outPath = await publishedSystem(l, commit, "web1");
  await forgetPath(outPath);

  const daemon = await Daemon.start(t, l.machine);
  const status = await daemon.waitFor((s) => s.generation?.commit === commit && s.generation.build.status === "skipped", 30_000, "the machine-id guard");

  t.is(status.generation?.machineId, "0123456789abcdef0123456789abcdef");
  t.regex(status.generation?.build.error ?? "", /machineId 0123456789abcdef0123456789abcdef does not match this machine/);
  t.false(await isValidPath(outPath), "nothing was substituted");
  t.deepEqual(await switchCalls(l.machine), []);
});

test("missing: evaluate — a malformed manifest is not used: the machine evaluates and builds itself, and says why", async (t) => {
  const l = await lab(t, (side) => ({ ...fileCache(side), missing: "evaluate" }));
  const commit = await commitAndPush(l, "malformed-note");
  await git(l.fleet.dir, ["notes", "--ref", "refs/notes/comin", "add", "-f", "-m", "{ not json", commit]);
  await git(l.fleet.dir, ["push", "-q", "origin", "refs/notes/comin"]);

  const daemon = await Daemon.start(t, l.machine);
  const status = await daemon.waitFor(deployed(commit, "switch"), 60_000, "the local deployment");

  t.is(status.generation?.source, "local");
  t.is(status.generation?.eval.status, "done");
  t.regex(status.generation?.prebuiltMiss?.reason ?? "", /the manifest of [0-9a-f]{40} in refs\/notes\/comin of origin is unusable: it is not valid JSON/);
  t.regex(status.generation?.drvPath ?? "", /\.drv$/);
});

test("with signature trust, an unsigned notes commit is not used (evaluated here instead); a notes commit signed by a trusted key is", async (t) => {
  const keysDir = await tempDir(t, "comin-prebuilt-keys-");
  const signer = await createSshKey(keysDir, "ci@example.test");
  const allowed = await writeAllowedSigners(path.join(keysDir, "allowed_signers"), [signer]);
  const l = await lab(t, (side) => ({ ...fileCache(side), missing: "evaluate" }), { signatures: { sshAllowedSignersFile: allowed } });
  const signedCommit = (variant: string) => l.fleet.commit({ web1: l.machine.host({ variant }), other: l.machine.host({ variant: `${variant}-other` }) }, variant, "main", signer);
  const first = await signedCommit("notes-unsigned");
  await git(l.fleet.dir, ["push", "-q", "origin", "main"]);
  t.is((await publish(publishArgs(l))).exitCode, 0);

  const daemon = await Daemon.start(t, l.machine);
  const local = await daemon.waitFor(deployed(first, "switch"), 60_000, "the local deployment");
  t.is(local.generation?.source, "local");
  t.regex(local.generation?.prebuiltMiss?.reason ?? "", /^the notes ref refs\/notes\/comin of origin \(commit [0-9a-f]{40}\) is not signed by a trusted key .*: its manifests are ignored$/);

  await git(l.fleet.dir, ["config", "gpg.format", "ssh"]);
  await git(l.fleet.dir, ["config", "user.signingKey", signer.privateKeyFile]);
  const second = await signedCommit("notes-signed");
  // The note first: with `missing: "evaluate"`, a commit seen before its note is evaluated here.
  const run = await publish(publishArgs(l, ["--sign-commit"]));
  t.is(run.exitCode, 0, run.stdout + run.stderr);
  const outPath = await publishedSystem(l, second, "web1");
  await forgetPath(outPath);
  await git(l.fleet.dir, ["push", "-q", "origin", "main"]);
  const prebuilt = await daemon.waitFor(deployed(second, "switch"), 60_000, "the prebuilt deployment");

  t.is(prebuilt.generation?.source, "prebuilt", prebuilt.generation?.prebuiltMiss?.reason);
  t.is(prebuilt.deployment?.outPath, outPath);
});
