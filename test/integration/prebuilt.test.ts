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
const fileCache = ({ cacheDir, key }: CacheSide): RuntimeConfigInput["prebuilt"] => ({ substituters: [`file://${cacheDir}`], trustedPublicKeys: [key.publicKey] });

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
