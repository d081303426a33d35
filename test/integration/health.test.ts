/**
 * The real daemon with health checks (behaviour.md §14): a real HTTP server decides which system
 * is healthy; verification, automatic rollback (profile, switch log), quarantine, the commits
 * after a bad one, activation failures, `test` deployments, `onFailure: "report"`, and a rollback
 * whose own activation fails.
 */
import test from "ava";
import { readFile, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, switchCalls, tempDir, waitUntil } from "../helpers/daemon.js";
import { writeExecutable } from "../helpers/temp.js";
import { currentSystemOf, healthServer, httpHealth, profileState } from "../helpers/health.js";

test("an http check that fails for one system rolls back to the previous one, quarantines it; a README commit on top stays out; the next good commit deploys", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const server = await healthServer(t, currentSystemOf(dir, "web1"), ["bad"]);
  const hook = path.join(dir, "post-deployment");
  const hookLog = path.join(dir, "post-deployment.log");
  await writeExecutable(hook, `#!/bin/sh\necho "$COMIN_GIT_SHA $COMIN_STATUS $COMIN_HEALTH" >> '${hookLog}'\n`);
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], health: httpHealth(server.url), postDeploymentCommand: hook });

  const good = await fleet.commit({ web1: machine.host({ variant: "good" }) }, "good");
  const daemon = await Daemon.start(t, machine);
  const first = await daemon.waitFor(deployed(good, "switch"), 60_000, "the good commit");
  t.is(first.deployment?.health.status, "passed");
  t.deepEqual(first.deployment?.health.checks, [{ name: "web", ok: true, detail: "HTTP 200" }]);
  const goodSystem = first.deployment?.outPath ?? "";
  const goodLink = first.deployment?.profilePath ?? "";

  const bad = await fleet.commit({ web1: machine.host({ variant: "bad" }) }, "bad");
  const rolled = await daemon.waitFor((s) => s.deployment?.commit === bad && s.deployment.status === "rolled-back", 60_000, "the rollback");
  const badSystem = rolled.deployment?.outPath ?? "";
  t.like(rolled.deployment?.rollback, { trigger: "health", to: goodSystem, status: "done", error: null });
  t.is(rolled.deployment?.previousOutPath, goodSystem);
  t.is(rolled.deployment?.health.status, "failed");
  t.regex(rolled.deployment?.error ?? "", /health check web failed: HTTP 500, expected 200/);
  t.deepEqual((await switchCalls(machine)).map(([op, out]) => [op, out]), [["switch", goodSystem], ["switch", badSystem], ["switch", goodSystem]]);
  const profile = await profileState(machine.paths.profile);
  t.is(profile.current, goodSystem, "the profile's current generation is the previous system");
  t.false(profile.links.includes(path.basename(rolled.deployment?.profilePath ?? "")), "the bad generation's link is gone");
  t.true(profile.links.includes(path.basename(goodLink)));
  t.is(rolled.quarantine.length, 1);
  t.like(rolled.quarantine[0], { commit: bad, outPath: badSystem });
  t.regex(rolled.quarantine[0]?.reason ?? "", /health check web failed/);
  // The status answers from memory: the log line and the post-deployment command come just after.
  await daemon.waitForLog((lines) => lines.some((line) => line.includes('"msg":"deployment-finished"') && line.includes(bad)), 10_000, "the bad deployment's end");
  t.is(daemon.count("health-check-failed"), 1);
  t.is(daemon.count("rolled-back"), 1);
  t.is(daemon.count("deployment-finished"), 2, "one deployment-finished per deployment");
  await waitUntil(async () => (await readFile(hookLog, "utf8").catch(() => "")).trim().split("\n").length >= 2, "the post-deployment command after the rollback", 10_000);
  t.deepEqual((await readFile(hookLog, "utf8")).trim().split("\n"), [`${good} done passed`, `${bad} rolled-back failed`], "the post-deployment command runs after verification and after the rollback");

  // A README-only commit on top: the same system, held by the quarantine after its evaluation.
  await writeFile(path.join(fleet.dir, "README.md"), "docs only\n");
  const readme = await fleet.commit({ web1: machine.host({ variant: "bad" }) }, "README only");
  const held = await daemon.waitFor((s) => s.generation?.commit === readme && s.generation.eval.status === "done" && s.pending === `system ${badSystem} is quarantined`, 60_000, "the README commit to be held");
  t.is(held.generation?.build.status, "pending", "never built");
  t.is((await switchCalls(machine)).length, 3);

  const next = await fleet.commit({ web1: machine.host({ variant: "good-again" }) }, "fix");
  const fixed = await daemon.waitFor(deployed(next, "switch"), 60_000, "the next good commit");
  t.is(fixed.deployment?.health.status, "passed");
  t.is(fixed.quarantine.length, 1, "the quarantine stays until cleared");
});

test("activation exiting non-zero rolls back with health set; the bad generation never returns", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const server = await healthServer(t, currentSystemOf(dir, "web1"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], health: httpHealth(server.url) });
  const good = await fleet.commit({ web1: machine.host({ variant: "good" }) }, "good");
  const daemon = await Daemon.start(t, machine);
  const first = await daemon.waitFor(deployed(good, "switch"), 60_000, "the good commit");
  const goodSystem = first.deployment?.outPath ?? "";

  const broken = await fleet.commit({ web1: machine.host({ variant: "broken", switchFails: true }) }, "activation fails");
  // The planner words `pending` on its next turn: wait for the quarantine to be named there too.
  const rolled = await daemon.waitFor((s) => s.deployment?.commit === broken && s.deployment.status === "rolled-back" && (s.pending ?? "").includes("quarantined"), 60_000, "the rollback");

  t.like(rolled.deployment?.rollback, { trigger: "activation", to: goodSystem, status: "done" });
  t.is(rolled.deployment?.health.status, "skipped", "nothing to verify after a failed activation");
  t.is((await profileState(machine.paths.profile)).current, goodSystem);
  t.deepEqual(rolled.quarantine.map((entry) => entry.commit), [broken]);
  t.regex(rolled.pending ?? "", new RegExp(`commit ${broken} is quarantined: activation failed`));
  t.deepEqual((await switchCalls(machine)).map(([op]) => op), ["switch", "switch", "switch"], "no retry of the broken activation");
});

test("a test deployment rolls back with test and never touches the profile", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const server = await healthServer(t, currentSystemOf(dir, "web1"), ["bad"]);
  const remote = localRemote("origin", fleet.dir, { branches: { main: { operation: "test" } } });
  const machine = await createMachine(dir, "web1", { remotes: [remote], health: httpHealth(server.url) }, { initial: { currentSystemLink: currentSystemOf(dir, "web1") } });
  const initial = await realpath(machine.paths.currentSystem);
  const bad = await fleet.commit({ web1: machine.host({ variant: "bad" }) }, "bad");
  const daemon = await Daemon.start(t, machine);
  const rolled = await daemon.waitFor((s) => s.deployment?.commit === bad && s.deployment.status === "rolled-back", 60_000, "the rollback");

  t.like(rolled.deployment?.rollback, { trigger: "health", to: initial, status: "done" });
  t.deepEqual((await switchCalls(machine)).map(([op, out]) => [op, out === initial]), [["test", false], ["test", true]]);
  t.deepEqual(await profileState(machine.paths.profile), { current: null, links: [] }, "the profile was never touched");
  t.is(await realpath(machine.paths.currentSystem), initial);
});

test("onFailure report: the deployment fails with the health result, no rollback, no quarantine, no retry", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const server = await healthServer(t, currentSystemOf(dir, "web1"), ["bad"]);
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], health: httpHealth(server.url, { onFailure: "report" }) });
  const bad = await fleet.commit({ web1: machine.host({ variant: "bad" }) }, "bad");
  const daemon = await Daemon.start(t, machine);
  const failed = await daemon.waitFor((s) => s.deployment?.commit === bad && s.deployment.status === "failed", 60_000, "the failed verification");
  const later = await daemon.waitFor((s) => (s.remotes[0]?.lastFetch?.at ?? "") > (failed.deployment?.endedAt ?? ""), 30_000, "a fetch round after it");

  t.is(failed.deployment?.rollback, null);
  t.is(failed.deployment?.health.status, "failed");
  t.deepEqual(later.quarantine, []);
  t.regex(later.pending ?? "", /failed its health checks: not retried/);
  t.is((await switchCalls(machine)).length, 1);
});

test("a rollback whose own activation fails is recorded as failed and never tried again", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const server = await healthServer(t, currentSystemOf(dir, "web1"), ["bad"]);
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], health: httpHealth(server.url) }, { initial: { switchFails: true } });
  const bad = await fleet.commit({ web1: machine.host({ variant: "bad" }) }, "bad");
  const daemon = await Daemon.start(t, machine);
  const failed = await daemon.waitFor((s) => s.deployment?.commit === bad && s.deployment.rollback?.status === "failed", 60_000, "the failed rollback");
  await daemon.waitFor((s) => (s.remotes[0]?.lastFetch?.at ?? "") > (failed.deployment?.endedAt ?? ""), 30_000, "a fetch round after it");
  await new Promise((resolve) => setTimeout(resolve, 1500));

  t.is(failed.deployment?.status, "failed");
  t.regex(failed.deployment?.rollback?.error ?? "", /rollback: switch-to-configuration switch failed \(exit code 1\)/);
  await daemon.waitForLog((lines) => lines.some((line) => line.includes('"msg":"rollback-failed"')), 10_000, "rollback-failed");
  t.is(daemon.count("rollback-failed"), 1);
  t.is((await switchCalls(machine)).length, 2, "the bad activation and one rollback: no loop");
  t.deepEqual(failed.quarantine.map((entry) => entry.commit), [bad]);
});
