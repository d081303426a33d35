/**
 * The real daemon killed with SIGKILL in the middle of a stage (behaviour.md §9, §10): at restart
 * the stage is failed "interrupted by an agent restart" and counts as one attempt; when that was
 * the last attempt of the budget, the generation is given up, with no retry left pending.
 */
import test from "ava";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { INTERRUPTED } from "../../runtime/agent/recovery.js";
import { createMachine, Daemon, FleetRepo, localRemote, tempDir, type Machine } from "../helpers/daemon.js";
import { EventLog } from "../helpers/events.js";

/** Waits until state.json (not only the status) records `stage` as running. */
async function recordedRunning(machine: Machine, stage: "eval" | "build" | "deploy"): Promise<void> {
  const stateFile = path.join(machine.stateDir, "state.json");
  const running = async () => {
    // The daemon answers on its socket before its first save: no file yet is "not yet".
    const text = await readFile(stateFile, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return null;
      throw error;
    });
    if (text === null) return false;
    const state = JSON.parse(text) as { generations: Record<string, { status: string }>[] };
    return state.generations.some((g) => g[stage]?.status === "running");
  };
  for (const deadline = Date.now() + 20_000; !(await running()); ) {
    if (Date.now() > deadline) throw new Error(`state.json never recorded the ${stage} as running: ${await readFile(stateFile, "utf8").catch(() => "(none)")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const stage of ["eval", "build", "deploy"] as const) {
  test(`§9 kill -9 during the ${stage === "eval" ? "evaluation" : stage === "deploy" ? "deployment" : "build"}, the last attempt of the budget: at restart it is failed "interrupted", counted, and given up without a pending retry`, async (t) => {
    const dir = await tempDir(t);
    const fleet = await FleetRepo.create(path.join(dir, "fleet"));
    const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], retries: { attempts: 1, backoff: 1, maxBackoff: 1 } });
    const slow = { eval: { evalSleepSec: 3 }, build: { buildSleepSec: 3 }, deploy: { switchSleepSec: 3 } }[stage];
    const commit = await fleet.commit({ web1: machine.host({ variant: `slow-${stage}`, ...slow }) }, `slow ${stage}`);
    let daemon = await Daemon.start(t, machine);
    await recordedRunning(machine, stage);

    await daemon.kill();
    daemon = await Daemon.start(t, machine);
    const events = await EventLog.open(t, daemon.socket);
    const status = await daemon.waitFor((s) => s.generation?.commit === commit && /gave up/.test(s.pending ?? ""), 20_000, "the interrupted last attempt to be given up");
    // A fetch round later, nothing was tried again.
    await events.waitFor("fetch-finished", () => true, 20_000, "a fetch round after the restart");
    const later = await daemon.status();

    t.is(status.generation?.[stage].status, "failed");
    t.is(status.generation?.[stage].error, INTERRUPTED);
    t.is(status.generation?.attempt, 1, "the interruption counts as one attempt");
    t.is(status.pending, "gave up after 1 attempts: waiting for a new commit or `comin deployment submit-latest`");
    t.is(status.retry, null, "no retry is pending once the budget is spent");
    t.is(later?.retry, null);
    t.is(later?.generation?.[stage].status, "failed");
    t.deepEqual(events.ofType("retry-scheduled"), []);
    t.deepEqual(events.ofType(({ eval: "eval-started", build: "build-started", deploy: "deployment-started" } as const)[stage]), [], "nothing is started again");
  });
}
