/**
 * The real daemon: machine-id guard (§6), failures and retries (§10), crash safety (§9).
 */
import test from "ava";
import { STATE_VERSION } from "../../runtime/state/state.js";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, switchCalls, tempDir } from "../helpers/daemon.js";
import { EventLog } from "../helpers/events.js";

test("a configuration pinned to another machine id is never built; the matching one deploys", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] }, { machineId: "1".repeat(32) });
  const other = await fleet.commit({ web1: machine.host({ variant: "migrated", machineId: "2".repeat(32) }) }, "pin to the new hardware");

  const daemon = await Daemon.start(t, machine);
  const stopped = await daemon.waitFor((s) => s.generation?.commit === other && s.generation.build.status === "skipped", 60_000, "the machine-id guard");

  t.is(stopped.generation?.build.error, `machineId ${"2".repeat(32)} does not match this machine (${"1".repeat(32)})`);
  t.is(stopped.deployment, null);
  t.deepEqual(await switchCalls(machine), []);
  t.deepEqual(await readdir(path.join(machine.stateDir, "gcroots")).catch(() => []), [], "nothing was built");

  const matching = await fleet.commit({ web1: machine.host({ variant: "pinned-here", machineId: "1".repeat(32) }) }, "pin to this machine");
  await daemon.waitFor(deployed(matching, "switch"), 60_000, "the matching configuration to deploy");
});

test("an evaluation failure is retried, then a fix commit deploys", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], retries: { attempts: 2, backoff: 1, maxBackoff: 1 } });
  const daemon = await Daemon.start(t, machine);
  const events = await EventLog.open(t, daemon.socket);
  const broken = await fleet.commit({ web1: machine.host({ evalError: "deliberately broken" }) }, "broken");

  const gaveUp = await daemon.waitFor((s) => s.generation?.commit === broken && s.generation.attempt === 2 && s.generation.eval.status === "failed", 60_000, "two failed attempts");

  t.regex(gaveUp.generation?.eval.error ?? "", /deliberately broken/);
  t.regex(gaveUp.pending ?? "", /gave up after 2 attempts/);
  t.like(events.ofType("retry-scheduled"), [{ stage: "eval", attempt: 2, of: 2 }], "one retry announced on the event stream, then none");
  t.is(events.ofType("retry-scheduled").length, 1);
  t.is(gaveUp.retry, null, "nothing pending once given up");

  const fixed = await fleet.commit({ web1: machine.host({ variant: "fixed" }) }, "fix");
  const status = await daemon.waitFor(deployed(fixed, "switch"), 60_000, "the fix to deploy");
  t.is(status.generation?.attempt, 0);
});

test("a build failure and an activation failure are recorded as failed, and retried", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], retries: { attempts: 2, backoff: 1, maxBackoff: 1 } });
  const buildFails = await fleet.commit({ web1: machine.host({ buildFails: true }) }, "build fails");

  const daemon = await Daemon.start(t, machine);
  const failedBuild = await daemon.waitFor((s) => s.generation?.commit === buildFails && s.generation.build.status === "failed" && s.generation.attempt === 2, 60_000, "the build to fail twice");
  t.regex(failedBuild.generation?.build.error ?? "", /builder: failing on purpose \(test fixture\)/, "the build error quotes the builder's output");
  const buildLog = daemon.lines.map((line) => JSON.parse(line) as { msg?: string; generation?: string; stage?: string; line?: string }).filter((entry) => entry.msg === "nix" && entry.stage === "build");
  t.true(
    buildLog.some((entry) => entry.generation === failedBuild.generation?.id && entry.line?.includes("failing on purpose")),
    "§5 nix's build log lines reach the agent's log with the generation id",
  );

  const switchFails = await fleet.commit({ web1: machine.host({ variant: "x", switchFails: true }) }, "activation fails");
  const failedDeploy = await daemon.waitFor((s) => s.deployment?.commit === switchFails && s.deployment.status === "failed" && s.generation?.attempt === 2, 60_000, "the activation to fail twice");
  t.regex(failedDeploy.deployment?.error ?? "", /switch-to-configuration.*(exit code 1|failed)/, "§7.5 a non-zero exit of switch-to-configuration fails the deployment");
  t.is((await switchCalls(machine)).filter(([op]) => op === "switch").length, 2, "one activation per attempt");
});

test("kill -9 during a deployment: the restarted daemon has a valid state and completes the deployment", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const slow = await fleet.commit({ web1: machine.host({ variant: "slow", switchSleepSec: 3 }) }, "slow activation");
  let daemon = await Daemon.start(t, machine);
  await daemon.waitFor((s) => s.deployment?.status === "running", 60_000, "the deployment to start");
  const stateFile = path.join(machine.stateDir, "state.json");
  const recordedRunning = async () => (JSON.parse(await readFile(stateFile, "utf8")) as { deployments: { status: string }[] }).deployments.some((d) => d.status === "running");
  for (const deadline = Date.now() + 10_000; !(await recordedRunning()) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));

  await daemon.kill();
  const state = JSON.parse(await readFile(path.join(machine.stateDir, "state.json"), "utf8"));
  t.is(state.schemaVersion, STATE_VERSION);

  daemon = await Daemon.start(t, machine);
  const status = await daemon.waitFor(deployed(slow, "switch"), 60_000, "the interrupted deployment to complete");
  const history = (await daemon.call<{ kind: string; status: string; error: string | null }[]>("GET", "/v1/deployments")).body;
  t.like(history.find((d) => d.kind === "deployment" && d.status === "failed"), { error: "interrupted by an agent restart" }, "the interrupted deployment is recorded as failed");
  t.is(status.generation?.attempt, 1);
});

test("a corrupt state.json is moved aside and the daemon carries on", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  await writeFile(path.join(machine.stateDir, "state.json"), "{ this is not json");

  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(first, "switch"), 60_000, "a deployment after the corrupt state");

  const names = await readdir(machine.stateDir);
  t.true(names.some((name) => name.startsWith("state.json.corrupt-")));
  t.true(daemon.lines.some((line) => line.includes("state file is corrupt") && line.includes("baseline is lost")));
});
