/**
 * The real daemon with health checks (behaviour.md §14): a real HTTP server decides which system
 * is healthy; verification, automatic rollback (profile, switch log), quarantine, the commits
 * after a bad one, activation failures, `test` deployments, `onFailure: "report"`, and a rollback
 * whose own activation fails.
 */
import test from "ava";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, switchCalls, tempDir } from "../helpers/daemon.js";
import { currentSystemOf, healthServer, httpHealth, profileState } from "../helpers/health.js";

test("an http check that fails for one system rolls back to the previous one, quarantines it; a README commit on top stays out; the next good commit deploys", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const server = await healthServer(t, currentSystemOf(dir, "web1"), ["bad"]);
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], health: httpHealth(server.url) });

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
  t.true(daemon.lines.some((line) => line.includes('"msg":"health-check-failed"')));
  t.true(daemon.lines.some((line) => line.includes('"msg":"rolled-back"')));
  t.is(daemon.lines.filter((line) => line.includes('"msg":"deployment-finished"')).length, 2, "one deployment-finished per deployment");

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
