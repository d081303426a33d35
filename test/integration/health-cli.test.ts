/**
 * `comin rollback` and `comin quarantine list|clear` end to end (behaviour.md §14): the real CLI
 * against the real daemon, real Nix systems.
 */
import test from "ava";
import { execa } from "execa";
import path from "node:path";
import { CLI, createMachine, Daemon, deployed, FleetRepo, localRemote, switchCalls, tempDir } from "../helpers/daemon.js";
import { profileState } from "../helpers/health.js";

const comin = (socket: string, ...args: string[]) => execa(process.execPath, [CLI, ...args, "--socket", socket], { reject: false, stdin: "ignore" });

test("comin rollback returns to the previous deployment and quarantines; comin quarantine clear deploys the commit again", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const v1 = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "v1");
  const daemon = await Daemon.start(t, machine);
  const first = await daemon.waitFor(deployed(v1, "switch"), 60_000, "v1");

  const lonely = await comin(daemon.socket, "rollback");
  t.is(lonely.exitCode, 1);
  t.regex(lonely.stderr, /no earlier deployment to return to/);

  const v2 = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "v2");
  const second = await daemon.waitFor(deployed(v2, "switch"), 60_000, "v2");
  const finishedBefore = daemon.count("deployment-finished");

  const rolled = await comin(daemon.socket, "rollback");
  t.is(rolled.exitCode, 0, rolled.stderr);
  t.regex(rolled.stdout, new RegExp(`Rolled back from ${v2.slice(0, 7)} to ${first.deployment?.outPath}; commit ${v2.slice(0, 7)} is quarantined`));
  const status = await daemon.waitFor((s) => s.deployment?.status === "rolled-back", 10_000, "the rolled-back status");
  t.like(status.deployment?.rollback, { trigger: "manual", to: first.deployment?.outPath, status: "done" });
  t.deepEqual((await switchCalls(machine)).at(-1), ["switch", first.deployment?.outPath ?? ""]);
  t.is((await profileState(machine.paths.profile)).current, first.deployment?.outPath ?? null);
  await daemon.waitForLog(() => daemon.count("deployment-finished") > finishedBefore, 10_000, "the rollback's deployment-finished");
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(daemon.count("deployment-finished") - finishedBefore, 1, "deployment-finished once");

  const list = await comin(daemon.socket, "quarantine", "list", "--json");
  t.deepEqual((JSON.parse(list.stdout) as { commit: string }[]).map((entry) => entry.commit), [v2]);
  const human = await comin(daemon.socket, "status");
  t.regex(human.stdout, new RegExp(`commit ${v2.slice(0, 7)} is quarantined since .*: manual rollback`));

  const usage = await comin(daemon.socket, "quarantine", "clear");
  t.is(usage.exitCode, 2);
  const cleared = await comin(daemon.socket, "quarantine", "clear", v2.slice(0, 10));
  t.is(cleared.exitCode, 0, cleared.stderr);
  t.regex(cleared.stdout, new RegExp(`Lifted: ${v2}`));
  const again = await daemon.waitFor(deployed(v2, "switch"), 60_000, "v2 deployed again after the clear");
  t.not(again.deployment?.id, second.deployment?.id);
  t.deepEqual(again.quarantine, []);
  const none = await comin(daemon.socket, "quarantine", "clear", "--all");
  t.is(none.stdout, "Nothing was quarantined.");
});

test("comin rollback --no-quarantine leaves the commit deployable", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const v1 = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "v1");
  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(v1, "switch"), 60_000, "v1");
  const v2 = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "v2");
  await daemon.waitFor(deployed(v2, "switch"), 60_000, "v2");

  const rolled = await comin(daemon.socket, "rollback", "--no-quarantine");
  t.is(rolled.exitCode, 0, rolled.stderr);
  const status = await daemon.waitFor((s) => s.deployment?.status === "rolled-back", 10_000, "the rolled-back status");
  t.deepEqual(status.quarantine, []);
  t.is(status.deployment?.commit, v2);
});
