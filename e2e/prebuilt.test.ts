/**
 * Prebuilt systems for a fleet (behaviour §15): CI publishes a commit once (evaluate, build, sign,
 * copy to the cache directory, note), one HTTP cache node serves it on the lab network, and three
 * machines in their own namespaces substitute their systems from it without a single evaluation
 * (their nix programs are wrapped by the benchmark's process spy). The store paths are deleted
 * after publishing and before the note reaches the forge, so every deployment is a substitution.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { createProcessSpy, isEvaluation, type ProcessSpy } from "../bench/process-spy.js";
import { deployed, git } from "../test/helpers/daemon.js";
import { forgetPath, makeCacheKey, publish, writeFleetConfig } from "../test/helpers/prebuilt.js";
import { CacheNode } from "./cache-server.js";
import { labRemote, operations, startMachines } from "./fleet.js";
import { registerLabHooks, startScenario } from "./scenario.js";

registerLabHooks(test);

test("CI publishes once; three machines substitute their systems from one HTTP cache with zero evaluations", async (t) => {
  const { dir, lab, servers, fleet, publish: pushBranches } = await startScenario(t);
  const server = servers[0]!;
  const cacheRoot = path.join(dir, "cache");
  await mkdir(cacheRoot);
  const cache = await CacheNode.start(t, lab, await lab.addNode("cache"), cacheRoot);
  const key = await makeCacheKey(dir, "fleet-cache-1");
  const spies = new Map<string, ProcessSpy>();
  const hostnames = ["kiosk-1", "kiosk-2", "kiosk-3"];
  const { machines, hosts } = await startMachines(t, lab, dir, hostnames, [labRemote("origin", server)], {
    config: { prebuilt: { substituters: [cache.url], trustedPublicKeys: [key.publicKey] } },
    env: async (role) => {
      const spy = await createProcessSpy(path.join(dir, `spy-${role}`));
      spies.set(role, spy);
      return { PATH: `${spy.binDir}:${process.env.PATH ?? ""}` };
    },
  });
  const configFile = await writeFleetConfig(path.join(dir, "comin.config.ts"), { remotes: [{ name: "origin", url: server.url }], hosts: Object.fromEntries(hostnames.map((h) => [h, {}])) });

  const commit = await fleet.commit(hosts("published-once"), "kiosks: new signage");
  await pushBranches();
  await Promise.all(machines.map((m) => m.daemon.waitFor((s) => (s.pending ?? "").startsWith(`waiting for a prebuilt system of ${commit}`), 30_000, "the wait for the manifest")));
  const run = await publish([configFile, "--repository", fleet.dir, "--to", `file://${cacheRoot}`, "--sign-key", key.secretFile]);
  t.is(run.exitCode, 0, run.stdout + run.stderr);
  const note = JSON.parse(await git(fleet.dir, ["notes", "--ref", "refs/notes/comin", "show", commit])) as { hosts: Record<string, { outPath: string }> };
  const systems = hostnames.map((h) => note.hosts[h]?.outPath ?? "");
  for (const system of systems) await forgetPath(system);
  await git(fleet.dir, ["push", "-q", server.repository, "refs/notes/comin"]);
  const statuses = await Promise.all(machines.map((m) => m.daemon.waitFor(deployed(commit, "switch"), 60_000, "the prebuilt deployment")));

  t.deepEqual(statuses.map((s) => s.deployment?.outPath), systems);
  t.deepEqual(statuses.map((s) => s.generation?.source), ["prebuilt", "prebuilt", "prebuilt"]);
  for (const m of machines) {
    t.deepEqual(await operations(m), ["switch"]);
    const calls = await spies.get(m.node.role)!.calls();
    t.deepEqual(calls.filter(isEvaluation), [], `${m.machine.hostname} evaluated nothing`);
  }
  for (const system of systems) {
    t.true(cache.requests.includes(`/${path.basename(system).slice(0, 32)}.narinfo`), `the cache served ${system}`);
  }
  t.is(new Set(systems).size, 3, "three different systems, each substituted by its own machine");
});
