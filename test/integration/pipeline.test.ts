/**
 * The real daemon: preemption (§2), timeouts (§5), non-flake repositories with a subdir and a
 * dotted hostname (§5), the post-deployment command (§7.6) and the self-restart (§7.7).
 */
import test from "ava";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { writeTestNixExpression } from "../../scripts/lib/test-system.js";
import { createMachine, Daemon, deployed, FleetRepo, git, localRemote, switchCalls, tempDir, waitForState } from "../helpers/daemon.js";
import { EventLog } from "../helpers/events.js";
import { writeExecutable } from "../helpers/temp.js";

test("a newer commit preempts the running build of an older one", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const slow = await fleet.commit({ web1: machine.host({ variant: "slow", buildSleepSec: 60 }) }, "slow build");
  const daemon = await Daemon.start(t, machine);
  const events = await EventLog.open(t, daemon.socket);
  const started = await daemon.waitFor((s) => s.generation?.commit === slow && s.generation.build.status === "running", 60_000, "the slow build to start");

  const fast = await fleet.commit({ web1: machine.host({ variant: "fast" }) }, "fast");
  const status = await daemon.waitFor(deployed(fast, "switch"), 30_000, "the newer commit to deploy (the slow build would take 60s)");

  t.is(status.deployment?.commit, fast);
  t.like(events.ofType("build-finished").find((e) => e.commit === slow), { generation: started.generation?.id, status: "cancelled" }, "the preempted build is recorded as cancelled");
  const state = await waitForState<{ generations: { id: string; build: { status: string; attempts: number } }[] }>(machine, (s) => s.generations.some((g) => g.id === started.generation?.id && g.build.status !== "running"), "the preempted build's end");
  t.like(state.generations.find((g) => g.id === started.generation?.id)?.build, { status: "cancelled", attempts: 0 }, "in state too; a cancellation is no failed attempt");
});

test("a build that exceeds its timeout is killed and reported", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], timeouts: { build: 2 }, retries: { attempts: 1 } });
  const slow = await fleet.commit({ web1: machine.host({ variant: "too-slow", buildSleepSec: 60 }) }, "too slow");

  const daemon = await Daemon.start(t, machine);
  const status = await daemon.waitFor((s) => s.generation?.commit === slow && s.generation.build.status === "failed", 30_000, "the build timeout");

  t.regex(status.generation?.build.error ?? "", /timed out after 2s/);
});

test("§5 an evaluation that exceeds its timeout is killed and reported", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], timeouts: { eval: 2 }, retries: { attempts: 1 } });
  const slow = await fleet.commit({ web1: machine.host({ variant: "slow-eval", evalSleepSec: 60 }) }, "slow evaluation");

  const daemon = await Daemon.start(t, machine);
  const status = await daemon.waitFor((s) => s.generation?.commit === slow && s.generation.eval.status === "failed", 30_000, "the evaluation timeout");

  t.regex(status.generation?.eval.error ?? "", /timed out after 2s/);
  t.is(status.generation?.build.status, "pending", "nothing is built");
  t.is(status.deployment, null);
});

test("a non-flake repository in a subdirectory deploys a host whose name has dots", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const hostname = "web1.example.org";
  const machine = await createMachine(dir, hostname, {
    remotes: [localRemote("origin", fleet.dir)],
    repository: { type: "nix", subdir: "infra/machines", systemAttr: 'machines."{hostname}"' },
  });
  await writeTestNixExpression(path.join(fleet.dir, "infra/machines"), { hosts: { [hostname]: machine.host({ variant: "classic" }) } });
  await git(fleet.dir, ["add", "-A"]);
  await git(fleet.dir, ["commit", "-q", "-m", "classic Nix"]);
  const commit = await git(fleet.dir, ["rev-parse", "HEAD"]);

  const daemon = await Daemon.start(t, machine);
  const status = await daemon.waitFor(deployed(commit, "switch"), 60_000, "the non-flake deployment");

  t.is(status.hostname, hostname);
  t.regex(status.generation?.outPath ?? "", /nixos-system-web1\.example\.org-test$/);
});

test("the post-deployment command gets every COMIN_ variable; a changed unit makes the agent exit 0 after recording", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const envDump = path.join(dir, "post-deploy.env");
  const hook = path.join(dir, "post-deploy");
  await writeExecutable(hook, `#!/bin/sh\nenv | grep '^COMIN_' | sort > '${envDump}'\nexit 7\n`);
  // A fake systemctl whose `cat` output is the switch log: activation changes "the unit".
  const bin = path.join(dir, "bin");
  await mkdir(bin);
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], postDeploymentCommand: hook });
  await writeExecutable(path.join(bin, "systemctl"), `#!/bin/sh\n[ "$1" = cat ] && cat '${machine.record}'\n`);
  const config = JSON.parse(await readFile(machine.configFile, "utf8"));
  config.paths.systemdUnit = "comin.service";
  await writeFile(machine.configFile, JSON.stringify(config));
  const message = 'first "quoted" $(not run)';
  const commit = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, message);

  const daemon = await Daemon.start(t, machine, { PATH: `${bin}:${process.env.PATH ?? ""}` });
  const code = await new Promise<number | null>((resolve) => daemon.child.on("exit", (c) => resolve(c)));

  t.is(code, 0, "exit 0 so that systemd restarts the agent with its new unit");
  const env = Object.fromEntries((await readFile(envDump, "utf8")).trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
  t.deepEqual(Object.keys(env).sort(), ["COMIN_ERROR_MSG", "COMIN_FLAKE_URL", "COMIN_GENERATION", "COMIN_GIT_MSG", "COMIN_GIT_REF", "COMIN_GIT_SHA", "COMIN_HEALTH", "COMIN_HOSTNAME", "COMIN_OPERATION", "COMIN_STATUS"]);
  t.is(env.COMIN_GIT_SHA, commit);
  t.is(env.COMIN_GIT_REF, "origin/main");
  t.is(env.COMIN_GIT_MSG, message);
  t.is(env.COMIN_STATUS, "done");
  t.is(env.COMIN_HEALTH, "skipped", "no health checks configured");
  t.is(env.COMIN_OPERATION, "switch");
  t.regex(env.COMIN_FLAKE_URL ?? "", /^git\+file:\/\/.*rev=/);
  const state = JSON.parse(await readFile(path.join(machine.stateDir, "state.json"), "utf8"));
  t.is(state.deployments.at(-1).status, "done", "recorded before exiting; the hook's failure does not change it");

  const restarted = await Daemon.start(t, machine, { PATH: `${bin}:${process.env.PATH ?? ""}` });
  await restarted.waitFor((s) => s.candidate?.commit === commit && s.generation?.deploy.status === "done", 30_000, "the restarted agent");
  t.is((await switchCalls(machine)).length, 1, "nothing is deployed twice after the restart");
});
