/**
 * Figure 4: what the agent costs while nothing changes, on every machine of a fleet. A daemon
 * with 3 remotes (polling timers off) is driven through 500 no-change polls of all three remotes
 * with `POST /v1/fetch {"wait":true}` on its socket (what `comin fetch --wait` does: durations
 * are whole seconds, so timers could not do 500 polls in a few seconds). Its resident memory
 * and CPU time are read from /proc after start and after every 100 polls. Each reading is then
 * repeated after a forced full GC (bench/gc-probe.ts): VmRSS growth that vanishes there is
 * garbage and heap sizing, growth that stays is a leak.
 */
import path from "node:path";
import { createMachine, Daemon, deployed, git, localRemote, tempDir } from "../../test/helpers/daemon.js";
import { BenchFleet } from "../fleet.js";
import { installGcProbe, probeMemory } from "../gc-probe.js";
import { readCpuTimes, readRssMb } from "../proc.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";

const BLOCKS = 5;
const POLLS_PER_BLOCK = 100;
const RSS_SAMPLES = 5;

interface FetchReply {
  outcomes: { remote: string; ok: boolean; error: string | null }[];
}

export const idle: Scenario = {
  name: "idle",
  title: `idle cost: RSS and CPU over ${BLOCKS * POLLS_PER_BLOCK} no-change polls of 3 remotes`,
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-idle-");
    const fleet = await BenchFleet.create(path.join(dir, "fleet"));
    const names = ["origin", "mirror-a", "mirror-b"];
    const urls = [fleet.serverDir, path.join(dir, "mirror-a.git"), path.join(dir, "mirror-b.git")];
    const remotes = names.map((name, index) => localRemote(name, urls[index] ?? "", { poll: { interval: 0 } }));
    const machine = await createMachine(dir, "idle", { remotes });
    const first = await fleet.commitAndPush({ idle: machine.host({ variant: "idle" }) }, "idle");
    for (const mirror of urls.slice(1)) await git(dir, ["clone", "-q", "--bare", fleet.serverDir, mirror]);
    const daemon = await Daemon.start(cleanup, machine, { NODE_OPTIONS: await installGcProbe(dir) });
    const pid = daemon.child.pid;
    if (pid === undefined) throw new Error("the daemon has no pid");
    await daemon.waitFor(deployed(first.sha, "switch"), 60_000, "the first deployment");
    await daemon.waitFor((status) => !status.fetching && status.pending === null, 30_000, "the daemon to be idle");

    const rssAfterStart: number[] = [];
    for (let sample = 0; sample < RSS_SAMPLES; sample++) {
      rssAfterStart.push(await readRssMb(pid));
      // Samples spread over a second, so that one GC pause does not decide the figure.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const startRss = summarise(rssAfterStart).median;
    const liveAtStart = await probeMemory(pid, daemon.lines);

    const growth: number[] = [];
    const liveGrowth: number[] = [];
    const heapGrowth: number[] = [];
    const cpuPerPoll: number[] = [];
    const childCpuPerPoll: number[] = [];
    const wallPerPoll: number[] = [];
    let cpu = await readCpuTimes(pid);
    for (let block = 1; block <= BLOCKS; block++) {
      const started = performance.now();
      for (let poll = 0; poll < POLLS_PER_BLOCK; poll++) {
        const reply = await daemon.call<FetchReply>("POST", "/v1/fetch", { wait: true });
        const failed = reply.body?.outcomes?.filter((outcome) => !outcome.ok) ?? [];
        if (reply.status !== 200 || reply.body?.outcomes?.length !== remotes.length || failed.length > 0) {
          throw new Error(`poll ${(block - 1) * POLLS_PER_BLOCK + poll + 1} failed: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
        }
      }
      const wall = performance.now() - started;
      const now = await readCpuTimes(pid);
      cpuPerPoll.push((now.selfMs - cpu.selfMs) / POLLS_PER_BLOCK);
      childCpuPerPoll.push((now.childrenMs - cpu.childrenMs) / POLLS_PER_BLOCK);
      wallPerPoll.push(wall / POLLS_PER_BLOCK);
      cpu = now;
      const rss = await readRssMb(pid);
      growth.push(rss - startRss);
      const live = await probeMemory(pid, daemon.lines);
      liveGrowth.push(live.rssMb - liveAtStart.rssMb);
      heapGrowth.push(live.heapUsedMb - liveAtStart.heapUsedMb);
      progress(`${block * POLLS_PER_BLOCK} polls: RSS ${rss.toFixed(1)} MiB (${live.rssMb.toFixed(1)} after a full GC), ${(cpuPerPoll.at(-1) ?? 0).toFixed(2)} ms daemon CPU per poll, ${(wall / POLLS_PER_BLOCK).toFixed(0)} ms each`);
    }
    const status = await daemon.status();
    await daemon.stop();
    return {
      figures: { idleRssMb: summarise(rssAfterStart), rssGrowthMb: summarise(growth), liveRssGrowthMb: summarise(liveGrowth), cpuPerPollMs: summarise(cpuPerPoll) },
      details: {
        remotes: remotes.length,
        polls: BLOCKS * POLLS_PER_BLOCK,
        rssGrowthAfterEach100PollsMb: growth.map((value) => Math.round(value * 10) / 10),
        afterFullGc: {
          rssAtStartMb: Math.round(liveAtStart.rssMb * 10) / 10,
          heapUsedAtStartMb: Math.round(liveAtStart.heapUsedMb * 10) / 10,
          rssGrowthAfterEach100PollsMb: liveGrowth.map((value) => Math.round(value * 10) / 10),
          heapUsedGrowthAfterEach100PollsMb: heapGrowth.map((value) => Math.round(value * 10) / 10),
        },
        childrenCpuPerPollMs: summarise(childCpuPerPoll),
        wallPerPollMs: summarise(wallPerPoll),
        deploymentsDuringPolls: status?.deployment?.commit === first.sha ? 0 : "the deployment changed",
      },
    };
  },
};
