/**
 * The real daemon: suspension and build confirmations (behaviour.md §11), read from the status
 * and the event stream.
 */
import test from "ava";
import path from "node:path";
import { SUSPENDED } from "../../runtime/agent/plan.js";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, switchCalls, tempDir } from "../helpers/daemon.js";
import { EventLog } from "../helpers/events.js";

test("§11 suspend stops a running build and blocks new builds while evaluations go on; resume builds and deploys", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const slow = await fleet.commit({ web1: machine.host({ variant: "slow", buildSleepSec: 60 }) }, "slow build");
  const daemon = await Daemon.start(t, machine);
  const events = await EventLog.open(t, daemon.socket);
  await daemon.waitFor((s) => s.generation?.commit === slow && s.generation.build.status === "running", 60_000, "the slow build to start");

  t.is((await daemon.call<unknown>("POST", "/v1/suspend", {})).status, 200);
  const stoppedBuild = await events.waitFor("build-finished", (e) => e.commit === slow, 15_000, "the running build to stop (it would take 60 s)");
  const stopped = await daemon.status();
  const next = await fleet.commit({ web1: machine.host({ variant: "next" }) }, "next");
  await daemon.waitFor((s) => s.generation?.commit === next && s.generation.eval.status === "done", 60_000, "the evaluation while suspended");
  await daemon.call<unknown>("POST", "/v1/fetch", { wait: true });
  const held = await daemon.status();

  t.is(stoppedBuild.status, "pending", "stopped, to be built again after resume");
  t.true(stoppedBuild.durationMs < 15_000);
  t.is(stopped?.suspended, true);
  t.is(held?.generation?.build.status, "pending", "no build while suspended");
  t.is(held?.pending, SUSPENDED);
  t.is(events.ofType("build-started").filter((e) => e.commit === next).length, 0);

  t.is((await daemon.call<unknown>("POST", "/v1/resume", {})).status, 200);
  await daemon.waitFor(deployed(next, "switch"), 60_000, "the build and deployment after resume");
  t.deepEqual((await switchCalls(machine)).map(([op]) => op), ["switch"]);
});

test("§11 a manual build confirmation holds the build until `accept`", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], confirm: { build: { mode: "manual" } } });
  const daemon = await Daemon.start(t, machine);
  const events = await EventLog.open(t, daemon.socket);
  const commit = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "v1");

  const waiting = await daemon.waitFor((s) => s.confirmations.length === 1, 60_000, "the build confirmation");
  await daemon.call<unknown>("POST", "/v1/fetch", { wait: true });
  const still = await daemon.status();

  t.like(waiting.confirmations[0], { stage: "build", commit, autoAt: null });
  t.is(still?.generation?.build.status, "pending");
  t.deepEqual(events.ofType("build-started"), []);

  t.is((await daemon.call<unknown>("POST", "/v1/confirmations/accept", {})).status, 200);
  await daemon.waitFor(deployed(commit, "switch"), 60_000, "the deployment after the confirmation");
  t.is(events.ofType("confirmation-accepted").length, 1);
});

test("§11 an auto build confirmation proceeds after its delay, and a newer candidate replaces it", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], confirm: { build: { mode: "auto", after: 2 } } });
  const daemon = await Daemon.start(t, machine);
  const events = await EventLog.open(t, daemon.socket);
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "v1");
  await events.waitFor("confirmation-pending", (e) => e.confirmation.commit === first, 60_000, "the confirmation of v1");

  const second = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "v2");
  await daemon.waitFor(deployed(second, "switch"), 60_000, "v2 without any accept");

  const pending = events.ofType("confirmation-pending").find((e) => e.confirmation.commit === second);
  const started = events.ofType("build-started").find((e) => e.commit === second);
  t.regex(pending?.confirmation.autoAt ?? "", /^\d{4}-\d\d-\d\dT/, "an auto confirmation says when it proceeds");
  t.true(Date.parse(started?.at ?? "") >= Date.parse(pending?.confirmation.autoAt ?? ""), "the build waited for the delay");
  t.true(Date.parse(pending?.confirmation.autoAt ?? "") - Date.parse(pending?.at ?? "") >= 2_000 - 5);
  t.deepEqual(events.ofType("build-started").filter((e) => e.commit === first), [], "the older candidate's build never started");
  t.is((await switchCalls(machine)).length, 1);
});
