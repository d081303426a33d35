/**
 * Figure 6: sizing a mirror. 100 real agents, each in its own network namespace, poll one git
 * server (`git daemon` in a namespace of its own, git:// over a bridge) every 10 s for one minute.
 * Measured: the server's CPU (git daemon and the upload-packs it forks, in % of one core, per 10 s)
 * and the agents' fetch latency (p50 and p99 of their own fetch events, per 10 s). The agents
 * follow a branch the repository lacks, so nothing is evaluated: only the polling load is there.
 *
 * Every agent is the real daemon (`comin run`, ~70 MiB each: 100 fit in a few GiB). They share one
 * fake machine (system links, profile) that none of them writes to, and have a state directory
 * and socket each. They start in batches, which also spreads their poll phases over the period.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { GitServer } from "../../e2e/git-server.js";
import { NetworkLab } from "../../e2e/network-lab.js";
import { createMachine, Daemon, localRemote, tempDir, type Machine } from "../../test/helpers/daemon.js";
import { BenchFleet } from "../fleet.js";
import { fetchRecords, parseLog } from "../log-lines.js";
import { cpuCgroupOf } from "../cgroup-cpu.js";
import { readRssMb } from "../proc.js";
import type { Scenario } from "../scenario.js";
import { quantile, summarise } from "../stats.js";

const AGENTS = 100;
const INTERVAL_S = 10;
const WINDOW_MS = 60_000;
const SLICE_MS = 10_000;
const START_BATCH = 10;

/** One agent's own config (state directory, socket) on the shared fake machine. */
async function agentMachine(base: Machine, dir: string, index: number, url: string): Promise<Machine> {
  const hostname = `agent${String(index).padStart(3, "0")}`;
  const stateDir = path.join(dir, hostname);
  const config = JSON.parse(await readFile(base.configFile, "utf8")) as Record<string, unknown>;
  const paths = { ...(config.paths as Record<string, unknown>), socket: path.join(stateDir, "comin.sock") };
  // A branch name the repository lacks: every poll is a real fetch, nothing is ever evaluated.
  const remote = localRemote("origin", url, { poll: { interval: INTERVAL_S, jitter: 0 }, timeout: 30, branches: { main: { name: "not-deployed" } } });
  const configFile = path.join(dir, `${hostname}.json`);
  await writeFile(configFile, JSON.stringify({ ...config, hostname, stateDir, paths, remotes: [remote] }));
  return { ...base, hostname, stateDir, paths: paths as Machine["paths"], configFile };
}

export const fleetServer: Scenario = {
  name: "fleet-server",
  title: `${AGENTS} agents in network namespaces polling one git server every ${INTERVAL_S} s for ${WINDOW_MS / 1000} s`,
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-fleet-");
    const lab = await NetworkLab.create(cleanup);
    const serverNode = await lab.addNode("server");
    const server = await GitServer.start(lab, serverNode, path.join(dir, "served"));
    const fleet = await BenchFleet.create(path.join(dir, "fleet"));
    const base = await createMachine(dir, "fleet", { remotes: [localRemote("origin", server.url)] });
    await fleet.commitAndPush({ fleet: base.host({ variant: "fleet" }) }, "fleet");
    await server.publish(fleet.workDir);
    // `ip netns exec` execs git daemon: the pid is the server's. Its per-connection children are
    // counted through a cgroup (they are born after it moved there).
    const serverPid = server.pid;
    if (serverPid === undefined) throw new Error("the git server has no pid");
    const serverCpu = await cpuCgroupOf(serverPid, `comin-bench-${process.pid}-git-server`);
    cleanup.teardown(async () => {
      await server.stop().catch(() => {});
      await serverCpu.remove();
    });

    const daemons: Daemon[] = [];
    const startedAt = performance.now();
    for (let first = 0; first < AGENTS; first += START_BATCH) {
      const batch = Array.from({ length: Math.min(START_BATCH, AGENTS - first) }, (_, offset) => first + offset + 1);
      daemons.push(
        ...(await Promise.all(
          batch.map(async (index) => {
            const node = await lab.addNode(`a${index}`);
            const machine = await agentMachine(base, dir, index, server.url);
            return Daemon.start(cleanup, machine, {}, (file, args) => lab.command(node, file, args));
          }),
        )),
      );
      progress(`${daemons.length}/${AGENTS} agents running`);
    }
    const startMs = performance.now() - startedAt;
    // Every agent has fetched once (at start) before the window opens.
    await Promise.all(daemons.map((daemon) => daemon.waitFor((status) => status.remotes[0]?.lastFetch != null, 60_000, "the first fetch")));

    const windowStart = Date.now();
    const cpuPercent: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    let cpu = await serverCpu.cpuMs();
    let sliceStart = performance.now();
    let sliceFrom = windowStart;
    while (Date.now() - windowStart < WINDOW_MS) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(SLICE_MS, WINDOW_MS - (Date.now() - windowStart))));
      const now = await serverCpu.cpuMs();
      const elapsed = performance.now() - sliceStart;
      cpuPercent.push((100 * (now - cpu)) / elapsed);
      const sliceTo = Date.now();
      const durations = daemons.flatMap((daemon) => fetchRecords(parseLog(daemon.lines)).filter((f) => f.ok && f.endedAt > sliceFrom && f.endedAt <= sliceTo).map((f) => f.durationMs));
      p50.push(quantile(durations, 0.5));
      p99.push(quantile(durations, 0.99));
      progress(`${Math.round((sliceTo - windowStart) / 1000)} s: server ${(cpuPercent.at(-1) ?? 0).toFixed(0)} % of a core, ${durations.length} fetches, p50 ${p50.at(-1)} ms, p99 ${p99.at(-1)} ms`);
      cpu = now;
      sliceStart = performance.now();
      sliceFrom = sliceTo;
    }
    const windowEnd = Date.now();
    const fetches = daemons.map((daemon) => fetchRecords(parseLog(daemon.lines)).filter((f) => f.endedAt > windowStart && f.endedAt <= windowEnd));
    const rss = await Promise.all(daemons.map((daemon) => (daemon.child.pid === undefined ? Number.NaN : readRssMb(daemon.child.pid).catch(() => Number.NaN))));
    await Promise.all(daemons.map((daemon) => daemon.stop()));
    return {
      figures: { fleetServerCpuPercent: summarise(cpuPercent), fleetFetchP50Ms: summarise(p50), fleetFetchP99Ms: summarise(p99) },
      details: {
        agents: AGENTS,
        pollIntervalS: INTERVAL_S,
        windowMs: windowEnd - windowStart,
        fetchesPerAgent: summarise(fetches.map((list) => list.length)),
        failedFetches: fetches.flat().filter((f) => !f.ok).length,
        fetchesPerSecond: Math.round((fetches.flat().length / ((windowEnd - windowStart) / 1000)) * 10) / 10,
        agentRssMb: summarise(rss),
        agentsStartMs: Math.round(startMs),
      },
    };
  },
};
