/**
 * Figure 5a: 50 remotes polled every second for one minute. Missed polls are counted per remote
 * from the daemon's fetch events (bench/polls.ts says what "missed" means); the CPU share is the
 * daemon's and its git children's CPU time over each 10 s of the minute.
 */
import path from "node:path";
import { createMachine, Daemon, deployed, localRemote, tempDir } from "../../test/helpers/daemon.js";
import { BenchFleet } from "../fleet.js";
import { fetchRecords, parseLog } from "../log-lines.js";
import { medianGap, missedPolls } from "../polls.js";
import { readCpuTimes } from "../proc.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";

const REMOTES = 50;
const WINDOW_MS = 60_000;
const SLICE_MS = 10_000;
const INTERVAL_MS = 1000;

export const scale: Scenario = {
  name: "scale",
  title: `${REMOTES} remotes polled every second for ${WINDOW_MS / 1000} s`,
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-scale-");
    const fleet = await BenchFleet.create(path.join(dir, "fleet"));
    const names = Array.from({ length: REMOTES }, (_, index) => `r${String(index + 1).padStart(2, "0")}`);
    const remotes = names.map((name) => localRemote(name, fleet.serverDir, { poll: { interval: INTERVAL_MS / 1000, jitter: 0 } }));
    const machine = await createMachine(dir, "scale", { remotes });
    const first = await fleet.commitAndPush({ scale: machine.host({ variant: "scale" }) }, "scale");
    const daemon = await Daemon.start(cleanup, machine);
    const pid = daemon.child.pid;
    if (pid === undefined) throw new Error("the daemon has no pid");
    await daemon.waitFor(deployed(first.sha, "switch"), 120_000, "the first deployment");

    const windowStart = Date.now();
    const cpuPercent: number[] = [];
    let cpu = await readCpuTimes(pid);
    let sliceStart = performance.now();
    while (Date.now() - windowStart < WINDOW_MS) {
      // The measurement window itself: the daemon's timers do the work meanwhile.
      await new Promise((resolve) => setTimeout(resolve, Math.min(SLICE_MS, WINDOW_MS - (Date.now() - windowStart))));
      const now = await readCpuTimes(pid);
      const elapsed = performance.now() - sliceStart;
      cpuPercent.push((100 * (now.selfMs + now.childrenMs - cpu.selfMs - cpu.childrenMs)) / elapsed);
      progress(`${Math.round((Date.now() - windowStart) / 1000)} s: ${(cpuPercent.at(-1) ?? 0).toFixed(0)} % of a core`);
      cpu = now;
      sliceStart = performance.now();
    }
    const windowEnd = Date.now();

    const fetches = fetchRecords(parseLog(daemon.lines));
    const missed: number[] = [];
    const polls: number[] = [];
    const periods: number[] = [];
    let failed = 0;
    for (const name of names) {
      const times = fetches.filter((record) => record.remote === name).map((record) => record.endedAt);
      failed += fetches.filter((record) => record.remote === name && !record.ok && record.endedAt > windowStart && record.endedAt <= windowEnd).length;
      missed.push(missedPolls(times, windowStart, windowEnd, INTERVAL_MS));
      polls.push(times.filter((time) => time > windowStart && time <= windowEnd).length);
      const period = medianGap(times.filter((time) => time > windowStart && time <= windowEnd));
      if (period !== null) periods.push(period);
    }
    const roundMs = fetches.filter((record) => record.endedAt > windowStart && record.endedAt <= windowEnd).map((record) => record.durationMs);
    return {
      figures: { remotes50MissedPolls: summarise(missed), remotes50CpuPercent: summarise(cpuPercent) },
      details: {
        remotes: REMOTES,
        windowMs: windowEnd - windowStart,
        pollsPerRemote: summarise(polls),
        expectedPollsPerRemote: Math.floor((windowEnd - windowStart) / INTERVAL_MS),
        effectivePollPeriodMs: periods.length > 0 ? summarise(periods) : null,
        fetchDurationMs: roundMs.length > 0 ? summarise(roundMs) : null,
        failedFetches: failed,
      },
    };
  },
};
