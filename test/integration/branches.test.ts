/**
 * The real daemon against real git and real Nix: branch semantics (behaviour.md §3, §7).
 */
import test from "ava";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createMachine, Daemon, deployed, FleetRepo, git, localRemote, switchCalls, tempDir } from "../helpers/daemon.js";

const profileLinks = async (profile: string) =>
  (await readdir(path.dirname(profile))).filter((name) => name.startsWith(`${path.basename(profile)}-`)).sort();

test("main deploys with switch, advances, and a testing branch deploys with test without a boot entry", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");

  const daemon = await Daemon.start(t, machine);
  const afterFirst = await daemon.waitFor(deployed(first, "switch"), 60_000, "the first deployment");

  t.is(afterFirst.baseline, first);
  t.is(afterFirst.candidate?.branch, "main");
  t.deepEqual((await switchCalls(machine)).map(([op]) => op), ["switch"]);
  t.is((await profileLinks(machine.paths.profile)).length, 1);

  const second = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "second");
  const afterSecond = await daemon.waitFor(deployed(second, "switch"), 60_000, "main to advance");
  t.is(afterSecond.baseline, second);
  t.is((await profileLinks(machine.paths.profile)).length, 2);

  const testing = await fleet.commit({ web1: machine.host({ variant: "v3" }) }, "try something", "testing-web1");
  const afterTesting = await daemon.waitFor(deployed(testing, "test"), 60_000, "the testing branch");
  t.true(afterTesting.candidate?.isTesting);
  t.is(afterTesting.baseline, second, "a testing commit never moves the baseline");
  t.is((await profileLinks(machine.paths.profile)).length, 2, "test never adds a boot entry");

  await fleet.setBranch("testing-web1", second);
  const afterReset = await daemon.waitFor((s) => s.candidate?.commit === second && s.candidate.isTesting === false && s.deployment?.commit === second && s.deployment.operation === "switch" && s.deployment.status === "done" && s.deployment.id !== afterSecond.deployment?.id, 60_000, "main after the testing reset");
  t.is(afterReset.deployment?.status, "done");
  t.deepEqual((await switchCalls(machine)).map(([op]) => op), ["switch", "switch", "test", "switch"]);
});

test("a main moved back is refused as behind, a rewritten one as reset, still after a restart, and accepted with allowForcePush", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  const second = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "second");
  let daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(second, "switch"), 60_000, "the deployment of main");

  await fleet.setBranch("main", first);
  const behind = await daemon.waitFor((s) => s.remotes[0]?.main.error?.includes("behind") ?? false, 30_000, "the older head to be refused");
  t.is(behind.remotes[0]?.main.error, `main is behind the baseline (1 commit): ${first} is an ancestor of ${second}`);
  const rewritten = await git(fleet.dir, ["commit-tree", `${first}^{tree}`, "-m", "rewritten history"]);
  await fleet.setBranch("main", rewritten);
  const refused = await daemon.waitFor((s) => s.remotes[0]?.main.error?.includes("main was reset") ?? false, 30_000, "the reset to be refused");

  t.is(refused.baseline, second);
  t.is(refused.deployment?.commit, second);
  t.is(refused.remotes[0]?.main.error, `main was reset: ${rewritten} is not on top of ${second}`);
  await fleet.setBranch("main", first);

  await daemon.stop();
  daemon = await Daemon.start(t, machine);
  const afterRestart = await daemon.waitFor((s) => s.remotes[0]?.main.error?.includes("main is behind") ?? false, 30_000, "the refusal after a restart");
  t.is(afterRestart.baseline, second);
  await daemon.stop();

  const config = JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(machine.configFile, "utf8")));
  config.remotes[0].branches = { main: { allowForcePush: true } };
  await writeFile(machine.configFile, JSON.stringify(config));
  daemon = await Daemon.start(t, machine);
  const accepted = await daemon.waitFor((s) => s.baseline === first && s.deployment?.commit === first && s.deployment.status === "done", 60_000, "the force-push to be accepted");
  t.is(accepted.remotes[0]?.main.error, null);
});

test("two remotes, one unreachable: deployments continue from the other", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", {
    remotes: [localRemote("down", path.join(dir, "does-not-exist")), localRemote("origin", fleet.dir)],
  });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");

  const daemon = await Daemon.start(t, machine);
  const status = await daemon.waitFor(deployed(first, "switch"), 60_000, "a deployment from the reachable remote");

  t.is(status.candidate?.remote, "origin");
  t.false(status.remotes[0]?.lastFetch?.ok);
  t.regex(status.remotes[0]?.lastFetch?.error ?? "", /^git fetch down failed: .*does not appear to be a git repository/, "the down remote's own fetch error (§3: it does not block the others)");
  t.true(status.remotes[1]?.lastFetch?.ok);
});

test("hostile branch names and commit messages are inert and shown verbatim", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const marker = path.join(dir, "pwned");
  const hostileBranch = `testing-"$(touch ${marker})"-é'`;
  const machine = await createMachine(dir, "web1", {
    remotes: [localRemote("origin", fleet.dir, { branches: { testing: { name: hostileBranch.replaceAll(" ", "") } } })],
  });
  const message = `deploy "$(touch ${marker})" \`touch ${marker}\`\n\nline two; rm -rf / 🚀 ü`;
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, message);
  const testing = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, message, hostileBranch.replaceAll(" ", ""));

  const daemon = await Daemon.start(t, machine);
  const status = await daemon.waitFor(deployed(testing, "test"), 60_000, "the hostile testing branch to deploy");

  t.is(status.candidate?.branch, hostileBranch.replaceAll(" ", ""));
  t.is(status.generation?.message.trim(), message);
  t.is(status.baseline, first);
  await t.throwsAsync(import("node:fs/promises").then((fs) => fs.access(marker)));
});

test("a commit yielding the current system and operation is skipped; going back to an older system is deployed", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "v1");
  const daemon = await Daemon.start(t, machine);
  const deployedFirst = await daemon.waitFor(deployed(first, "switch"), 60_000, "v1");

  const sameSystem = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "only the message differs");
  const skipped = await daemon.waitFor((s) => s.generation?.commit === sameSystem && s.generation.deploy.status === "skipped", 60_000, "the skip of an identical system");

  t.is(skipped.generation?.outPath, deployedFirst.deployment?.outPath);
  t.is(skipped.deployment?.id, deployedFirst.deployment?.id, "no new deployment");
  t.is((await switchCalls(machine)).length, 1);

  const second = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "v2");
  await daemon.waitFor(deployed(second, "switch"), 60_000, "v2");
  const back = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "back to v1");
  const reverted = await daemon.waitFor(deployed(back, "switch"), 60_000, "the return to v1 (compared with the current deployment, not an older one)");

  t.is(reverted.deployment?.outPath, deployedFirst.deployment?.outPath);
  const systems = (await switchCalls(machine)).map(([, out]) => out);
  t.is(systems.length, 3);
  t.is(systems[2], systems[0]);
  t.not(systems[1], systems[0]);
});
