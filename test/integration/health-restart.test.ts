/**
 * The real daemon with health checks across restarts (behaviour.md §14 crash safety, after a
 * reboot): kill -9 during a verification and during a rollback, and a simulated reboot (the
 * booted-system link moved, the daemon restarted) into a healthy and into a bad system.
 */
import test from "ava";
import { readFile, realpath, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, switchCalls, tempDir, type Machine } from "../helpers/daemon.js";
import { currentSystemOf, healthServer, httpHealth, profileState } from "../helpers/health.js";

async function recorded(machine: Machine, predicate: (state: { deployments: { status: string; rollback?: { status: string } | null }[] }) => boolean): Promise<void> {
  const file = path.join(machine.stateDir, "state.json");
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    const state = await readFile(file, "utf8").then(JSON.parse, () => null);
    if (state && predicate(state)) return;
  }
  throw new Error("timed out waiting for the state file");
}

test("kill -9 during a verification: after the restart the system is verified again, not activated again", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const server = await healthServer(t, currentSystemOf(dir, "web1"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], health: httpHealth(server.url, { gracePeriod: 3, timeout: 5 }) });
  const commit = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "v1");
  let daemon = await Daemon.start(t, machine);
  await daemon.waitFor((s) => s.deployment?.status === "verifying", 60_000, "the verification");
  await recorded(machine, (state) => state.deployments.some((d) => d.status === "verifying"));
  await daemon.kill();

  daemon = await Daemon.start(t, machine);
  const status = await daemon.waitFor(deployed(commit, "switch"), 60_000, "the verification after the restart");
  t.is(status.deployment?.health.status, "passed");
  t.is(status.deployment?.error, null, "not an interrupted deployment");
  t.is((await switchCalls(machine)).length, 1, "activated once");
  t.is(status.generation?.attempt, 0);
});

test("kill -9 during a rollback: after the restart the rollback completes", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const server = await healthServer(t, currentSystemOf(dir, "web1"), ["bad"]);
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], health: httpHealth(server.url) });
  const good = await fleet.commit({ web1: machine.host({ variant: "good", switchSleepSec: 2 }) }, "good, slow to activate");
  let daemon = await Daemon.start(t, machine);
  const first = await daemon.waitFor(deployed(good, "switch"), 60_000, "the good commit");
  const goodSystem = first.deployment?.outPath ?? "";
  const bad = await fleet.commit({ web1: machine.host({ variant: "bad" }) }, "bad");
  await daemon.waitFor((s) => s.deployment?.commit === bad && s.deployment.rollback?.status === "running", 60_000, "the rollback to start");
  await recorded(machine, (state) => state.deployments.some((d) => d.rollback?.status === "running"));
  await daemon.kill();

  daemon = await Daemon.start(t, machine);
  const rolled = await daemon.waitFor((s) => s.deployment?.commit === bad && s.deployment.status === "rolled-back", 60_000, "the rollback after the restart");
  t.like(rolled.deployment?.rollback, { trigger: "health", to: goodSystem, status: "done" });
  t.is((await profileState(machine.paths.profile)).current, goodSystem);
  t.is(await realpath(machine.paths.currentSystem), goodSystem);
  t.deepEqual(rolled.quarantine.map((entry) => entry.commit), [bad]);
});

test("after a reboot: a healthy system is verified; a bad one goes back to the previous system with boot and reboots at once, once", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const server = await healthServer(t, currentSystemOf(dir, "web1"));
  const reboots = path.join(dir, "reboots");
  const machine = await createMachine(dir, "web1", {
    remotes: [localRemote("origin", fleet.dir)],
    health: httpHealth(server.url),
    // The reboot command takes a while: the daemon is killed while it runs (below).
    reboot: { policy: "notify", command: ["/bin/sh", "-c", `echo reboot >> '${reboots}'; sleep 2`] },
  });
  const reboot = async (daemon: Daemon, into: string) => {
    await daemon.stop();
    await rm(machine.paths.bootedSystem);
    await symlink(into, machine.paths.bootedSystem);
    return Daemon.start(t, machine);
  };
  const v1 = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "v1");
  let daemon = await Daemon.start(t, machine);
  const first = await daemon.waitFor(deployed(v1, "switch"), 60_000, "v1");
  const v1System = first.deployment?.outPath ?? "";
  daemon = await reboot(daemon, v1System);
  const verified = await daemon.waitFor((s) => s.bootVerification?.status === "passed", 30_000, "the verification after the reboot");
  t.is(verified.bootVerification?.outPath, v1System);

  const v2 = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "v2");
  const second = await daemon.waitFor(deployed(v2, "switch"), 60_000, "v2");
  const v2System = second.deployment?.outPath ?? "";
  server.bad.add("v2");
  daemon = await reboot(daemon, v2System);
  for (const deadline = Date.now() + 30_000; !(await readFile(reboots, "utf8").catch(() => "")) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  // Killed while the reboot command runs, before the rollback is recorded as done: the restart
  // finishes the rollback without running the reboot command again.
  await daemon.kill();
  daemon = await Daemon.start(t, machine);
  const rolled = await daemon.waitFor((s) => s.deployment?.commit === v2 && s.deployment.status === "rolled-back", 60_000, "the rollback after the reboot");

  t.like(rolled.deployment?.rollback, { trigger: "boot", to: v1System, status: "done" });
  t.like(rolled.bootVerification, { outPath: v2System, status: "failed" });
  t.deepEqual((await switchCalls(machine)).at(-1), ["boot", v1System]);
  t.is((await profileState(machine.paths.profile)).current, v1System);
  t.deepEqual(rolled.quarantine.map((entry) => entry.commit), [v2]);
  t.is(await readFile(reboots, "utf8"), "reboot\n");
  t.regex(rolled.lastReboot?.reason ?? "", /rollback/);

  // The reboot did not happen (the machine is still on the bad system): not tried again.
  daemon = await reboot(daemon, v2System);
  await daemon.waitFor((s) => (s.remotes[0]?.lastFetch?.at ?? "") > (rolled.deployment?.endedAt ?? ""), 30_000, "a fetch round after the restart");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.is(await readFile(reboots, "utf8"), "reboot\n", "once per bad system");
});
