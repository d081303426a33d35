/**
 * The real daemon: consequences of selection (behaviour.md §3) at the deployment level — the
 * operation decides as much as the system (§7.2), and the baseline moves before evaluation.
 */
import test from "ava";
import path from "node:path";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, switchCalls, tempDir } from "../helpers/daemon.js";

test("§7.2 a testing commit that yields the current system is still deployed with test: the skip compares the operation too", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "v1");
  const daemon = await Daemon.start(t, machine);
  const onMain = await daemon.waitFor(deployed(first, "switch"), 60_000, "v1 on main");

  const sameSystem = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "same system, on testing", "testing-web1");
  const tested = await daemon.waitFor(deployed(sameSystem, "test"), 60_000, "the test deployment of the current system");

  t.is(tested.generation?.outPath, onMain.deployment?.outPath, "ground truth: the same system");
  t.is(tested.generation?.deploy.status, "done", "not skipped");
  t.deepEqual((await switchCalls(machine)).map(([op]) => op), ["switch", "test"]);
});

test("§3 main fast-forwarded onto testing's commit: the same commit is selected as main and deployed again with switch", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "v1");
  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(first, "switch"), 60_000, "v1 on main");
  const trial = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "v2 on testing", "testing-web1");
  const tested = await daemon.waitFor(deployed(trial, "test"), 60_000, "v2 tested");

  await fleet.setBranch("main", trial);
  const promoted = await daemon.waitFor(deployed(trial, "switch"), 60_000, "v2 deployed from main");

  t.like(promoted.candidate, { commit: trial, branch: "main", isTesting: false });
  t.is(promoted.baseline, trial);
  t.not(promoted.deployment?.id, tested.deployment?.id);
  t.is(promoted.deployment?.outPath, tested.deployment?.outPath);
  const calls = await switchCalls(machine);
  t.deepEqual(calls.map(([op]) => op), ["switch", "test", "switch"]);
  t.is(calls[2]?.[1], calls[1]?.[1], "the tested system, now switched to");
});

for (const stage of ["eval", "build"] as const) {
  test(`§3 the baseline moves to an accepted main commit even when its ${stage === "eval" ? "evaluation" : "build"} fails, and stays there after a restart`, async (t) => {
    const dir = await tempDir(t);
    const fleet = await FleetRepo.create(path.join(dir, "fleet"));
    const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], retries: { attempts: 1 } });
    const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "v1");
    let daemon = await Daemon.start(t, machine);
    await daemon.waitFor(deployed(first, "switch"), 60_000, "v1");

    const broken = await fleet.commit({ web1: machine.host(stage === "eval" ? { evalError: "broken on purpose" } : { variant: "v2", buildFails: true }) }, `broken ${stage}`);
    const failed = await daemon.waitFor((s) => s.generation?.commit === broken && s.generation[stage].status === "failed", 60_000, `the failed ${stage}`);
    await daemon.stop();
    daemon = await Daemon.start(t, machine);
    const restarted = await daemon.waitFor((s) => s.remotes[0]?.lastFetch !== null && !s.fetching, 30_000, "a fetch round after the restart");

    t.is(failed.baseline, broken, "the baseline moved with the acceptance");
    t.is(failed.deployment?.commit, first, "the machine keeps running v1");
    t.is(restarted.baseline, broken, "restored from state");
    t.is(restarted.candidate?.commit, broken, "never back to the older main");
    t.is((await switchCalls(machine)).length, 1);
  });
}
