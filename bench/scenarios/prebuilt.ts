/**
 * Prebuilt systems against local builds (behaviour.md §15), for the same commits in one run: two
 * machines follow the same forge, one evaluating and building (`local`), one substituting what CI
 * published to an HTTP binary cache (`prebuilt`). Each commit carries a system for both (same
 * content, each its own host); CI publishes the prebuilt host's (not timed) and the published path
 * is deleted from the store, so the prebuilt machine really substitutes it. Per deployment: wall
 * time from the fetch request to `done`, the peak RSS of the agent plus its children (sampled
 * every 50 ms over the process tree), and the evaluations the process spy recorded.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { createMachine, Daemon, deployed, git, localRemote, tempDir, type Machine } from "../../test/helpers/daemon.js";
import { forgetPath, makeCacheKey, publish, startCacheServer, writeFleetConfig } from "../../test/helpers/prebuilt.js";
import { BenchFleet } from "../fleet.js";
import { readRssMb } from "../proc.js";
import { createProcessSpy, isEvaluation } from "../process-spy.js";
import { descendants } from "../process-tree.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";

const RUNS = 5;
const SAMPLE_MS = 50;

/** Samples the summed RSS of `pid` and its descendants until stopped; returns the peak (MiB). */
function treeRssSampler(pid: number): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const pids = [pid, ...(await descendants(pid))];
      const rss = await Promise.all(pids.map((p) => readRssMb(p).catch(() => 0)));
      peak = Math.max(peak, rss.reduce((sum, value) => sum + value, 0));
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

interface Side {
  machine: Machine;
  daemon: Daemon;
}

/** Requests a fetch and waits for the deployment of `sha`: wall time and peak RSS. */
async function measureDeploy(side: Side, sha: string): Promise<{ ms: number; peakRssMb: number }> {
  const pid = side.daemon.child.pid as number;
  const sampler = treeRssSampler(pid);
  const started = performance.now();
  await side.daemon.call("POST", "/v1/fetch", {});
  await side.daemon.waitFor(deployed(sha, "switch"), 120_000, `the deployment of ${sha}`);
  const ms = performance.now() - started;
  return { ms, peakRssMb: await sampler.stop() };
}

export const prebuilt: Scenario = {
  name: "prebuilt",
  title: "deploying a prebuilt system (substituted) against a local evaluation and build",
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-prebuilt-");
    const fleet = await BenchFleet.create(path.join(dir, "fleet"));
    const cacheDir = path.join(dir, "cache");
    await mkdir(cacheDir);
    const cache = await startCacheServer(cleanup, cacheDir);
    const key = await makeCacheKey(dir, "bench-cache-1");
    const spy = await createProcessSpy(path.join(dir, "spy"));
    const remote = [localRemote("origin", fleet.serverDir, { poll: { interval: 0 } })];
    const localMachine = await createMachine(dir, "local", { remotes: remote });
    const prebuiltMachine = await createMachine(dir, "prebuilt", { remotes: remote, prebuilt: { substituters: [cache.url], trustedPublicKeys: [key.publicKey] } });
    const configFile = await writeFleetConfig(path.join(dir, "comin.config.ts"), { remotes: [{ name: "origin", url: fleet.serverDir }], hosts: { local: {}, prebuilt: {} } });

    /** A commit with both systems; the prebuilt one published by CI and gone from the store. */
    const commitAndPublish = async (variant: string): Promise<string> => {
      const { sha } = await fleet.commitAndPush({ local: localMachine.host({ variant }), prebuilt: prebuiltMachine.host({ variant }) }, variant);
      const run = await publish([configFile, "--repository", fleet.workDir, "--hosts", "prebuilt", "--to", `file://${cacheDir}`, "--sign-key", key.secretFile, "--push", "origin"]);
      if (run.exitCode !== 0) throw new Error(`comin publish failed (exit ${run.exitCode}): ${run.stdout}${run.stderr}`);
      const note = JSON.parse(await git(fleet.serverDir, ["notes", "--ref", "refs/notes/comin", "show", sha])) as { hosts: { prebuilt: { outPath: string } } };
      await forgetPath(note.hosts.prebuilt.outPath);
      return sha;
    };

    const warmUp = await commitAndPublish("bench-0");
    const local: Side = { machine: localMachine, daemon: await Daemon.start(cleanup, localMachine) };
    const pre: Side = { machine: prebuiltMachine, daemon: await Daemon.start(cleanup, prebuiltMachine, { PATH: `${spy.binDir}:${process.env.PATH ?? ""}` }) };
    await Promise.all([local.daemon.waitFor(deployed(warmUp, "switch"), 120_000, "the local warm-up"), pre.daemon.waitFor(deployed(warmUp, "switch"), 120_000, "the prebuilt warm-up")]);

    const samples = { localMs: [] as number[], localRss: [] as number[], prebuiltMs: [] as number[], prebuiltRss: [] as number[], prebuiltEvals: [] as number[] };
    for (let run = 1; run <= RUNS; run++) {
      const sha = await commitAndPublish(`bench-${run}`);
      // One at a time: the two agents share two cores.
      const l = await measureDeploy(local, sha);
      const before = (await spy.calls()).length;
      const p = await measureDeploy(pre, sha);
      const evaluations = (await spy.calls()).slice(before).filter(isEvaluation).length;
      samples.localMs.push(l.ms);
      samples.localRss.push(l.peakRssMb);
      samples.prebuiltMs.push(p.ms);
      samples.prebuiltRss.push(p.peakRssMb);
      samples.prebuiltEvals.push(evaluations);
      progress(`run ${run}/${RUNS}: local ${l.ms.toFixed(0)} ms, peak ${l.peakRssMb.toFixed(0)} MiB; prebuilt ${p.ms.toFixed(0)} ms, peak ${p.peakRssMb.toFixed(0)} MiB, ${evaluations} evaluation(s)`);
    }
    const status = await pre.daemon.status();
    if (status?.generation?.source !== "prebuilt") throw new Error(`the prebuilt machine's last generation is ${String(status?.generation?.source)}, not prebuilt`);
    return {
      figures: {
        localDeployMs: summarise(samples.localMs),
        localPeakRssMb: summarise(samples.localRss),
        prebuiltDeployMs: summarise(samples.prebuiltMs),
        prebuiltPeakRssMb: summarise(samples.prebuiltRss),
        prebuiltEvalsPerDeploy: summarise(samples.prebuiltEvals),
      },
      details: { cacheRequests: cache.requests.length, sampleEveryMs: SAMPLE_MS, runs: RUNS },
    };
  },
};
